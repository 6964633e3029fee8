/**
 * Money is integer cents. Decimal strings (`1234.50`, `0.05`) convert both ways without floating point.
 *
 * @example centsToDecimal(123450) // '1234.50'
 * @example decimalToCents('0.05') // 5
 */
export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not a cent amount: ${cents}`);
  const s = String(cents).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** Exactly two decimals, digits only; null for anything else (sign, exponent, one decimal, too large). */
export function decimalToCents(text: string): number | null {
  const m = /^(\d+)\.(\d{2})$/.exec(text);
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number(m[2]);
  return Number.isSafeInteger(cents) ? cents : null;
}
