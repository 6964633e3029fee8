/**
 * Taiwan identity checksums (docs/formats.md "Checksums").
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

/** LETTER_VALUES by char code minus 0x41 ('A'): an array index instead of a property lookup by a varying key. */
const LETTER_BY_CODE = Array.from({ length: 26 }, (_, i) => LETTER_VALUES[String.fromCharCode(0x41 + i)]!);

/** The letter's value, or -1 when the character is not A–Z. */
function letterValue(code: number): number {
  return code >= 0x41 && code <= 0x5a ? LETTER_BY_CODE[code - 0x41]! : -1;
}

/** National ID (`A1…`/`A2…`), resident certificate new (`A8…`/`A9…`) and old (`AA…`–`AD…`) formats. */
export function isValidTaiwanId(id: string): boolean {
  if (typeof id !== 'string' || id.length !== 10) return false;
  const n = letterValue(id.charCodeAt(0));
  if (n < 0) return false;
  const c1 = id.charCodeAt(1);
  let second: number;
  if (c1 === 0x31 || c1 === 0x32 || c1 === 0x38 || c1 === 0x39) second = c1 - 0x30;
  else if (c1 >= 0x41 && c1 <= 0x44)
    second = letterValue(c1) % 10; // old resident format: value mod 10
  else return false;
  let sum = Math.floor(n / 10) + (n % 10) * 9 + second * 8;
  for (let i = 2; i < 10; i++) {
    const d = id.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    sum += i < 9 ? d * (9 - i) : d; // weights 7…1, then the check digit
  }
  return sum % 10 === 0;
}

const UBN_WEIGHTS = [1, 2, 1, 2, 1, 2, 4, 1];

/** 統一編號 under the rule in force since 2023-04-01 (divisible by 5), 7th-digit-7 case included. */
export function isValidUnifiedBusinessNumber(ubn: string): boolean {
  if (typeof ubn !== 'string' || ubn.length !== 8) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const d = ubn.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    const product = d * UBN_WEIGHTS[i]!;
    sum += Math.floor(product / 10) + (product % 10); // 28 (7th digit 7) counts 2 + 8 = 10
  }
  if (sum % 5 === 0) return true;
  return ubn.charCodeAt(6) === 0x37 && (sum + 1) % 5 === 0;
}

/** Any of the accepted ID forms with a valid checksum. */
export function isValidIdNumber(id: string): boolean {
  return typeof id === 'string' && id.length === 8 ? isValidUnifiedBusinessNumber(id) : isValidTaiwanId(id);
}
