/**
 * Character-class checks for the per-transaction hot path of validation and normalisation: a loop over char
 * codes, because a regular expression call costs several times more than the check on these short fields.
 */

/** `length` to `max` ASCII digits (`^\d{min,max}$`). */
export function isDigits(value: unknown, min: number, max: number): boolean {
  if (typeof value !== 'string' || value.length < min || value.length > max) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Every character in [lo, hi] (char codes), e.g. printable ASCII 0x20–0x7E. */
export function allInRange(value: string, lo: number, hi: number): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < lo || c > hi) return false;
  }
  return true;
}

/** Whether `-` or whitespace (as `\s` matches it) occurs. */
export function hasSeparator(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2d || c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
    if (c > 0x7f && /\s/.test(value[i]!)) return true;
  }
  return false;
}

/**
 * A hash of `value` (FNV-1a over its char codes, as a non-negative int32) when every character is printable ASCII
 * without space (0x21–0x7E), else -1: the transaction id check and its duplicate check's hash in one pass.
 */
export function printableAsciiHash(value: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x7fffffff;
}
