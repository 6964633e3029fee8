/**
 * Taiwan identity checksums (formats.md "Checksums").
 *
 * @example isValidTaiwanId('A123456789') // true
 * @example isValidUnifiedBusinessNumber('04595257') // true
 */
const LETTER_VALUES: Record<string, number> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};

/** National ID (`A1…`/`A2…`), resident certificate new (`A8…`/`A9…`) and old (`AA…`–`AD…`) formats. */
export function isValidTaiwanId(id: string): boolean {
  if (!/^[A-Z]([12]\d{8}|[89]\d{8}|[A-D]\d{8})$/.test(id)) return false;
  const n = LETTER_VALUES[id[0]!]!;
  const second = /[A-D]/.test(id[1]!) ? LETTER_VALUES[id[1]!]! % 10 : Number(id[1]);
  const digits = [second, ...id.slice(2).split('').map(Number)];
  const weights = [8, 7, 6, 5, 4, 3, 2, 1];
  let sum = Math.floor(n / 10) + (n % 10) * 9;
  for (let i = 0; i < 8; i++) sum += digits[i]! * weights[i]!;
  sum += digits[8]!;
  return sum % 10 === 0;
}

/** 統一編號 under the rule in force since 2023-04-01 (divisible by 5), 7th-digit-7 case included. */
export function isValidUnifiedBusinessNumber(ubn: string): boolean {
  if (!/^\d{8}$/.test(ubn)) return false;
  const weights = [1, 2, 1, 2, 1, 2, 4, 1];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const product = Number(ubn[i]) * weights[i]!;
    sum += Math.floor(product / 10) + (product % 10);
  }
  if (sum % 5 === 0) return true;
  return ubn[6] === '7' && (sum + 1) % 5 === 0;
}

/** Any of the accepted ID forms with a valid checksum. */
export function isValidIdNumber(id: string): boolean {
  return /^\d{8}$/.test(id) ? isValidUnifiedBusinessNumber(id) : isValidTaiwanId(id);
}
