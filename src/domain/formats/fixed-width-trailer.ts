/** fixed_width trailer `T` (docs/formats.md, fixed_width): 200 bytes. */
import { defineRecord, field } from './field-table.ts';

export const FIXED_WIDTH_TRAILER = defineRecord('T', 200, [
  field('record_type', 1, 1, 'X'),
  field('count', 2, 6, '9'),
  field('total_amount', 8, 15, '9'),
  field('hash_total', 23, 15, '9'),
  field('filler', 38, 163, 'X'),
]);

const HASH_MOD = 10 ** 15;

/** Adds one account's last 8 digits to a running hash total, mod 10^15 (stays a safe integer). */
export function addToHash(hash: number, accountDigits: string): number {
  // digit by digit: no slice and no Number() parse per record
  let last8 = 0;
  for (let i = Math.max(0, accountDigits.length - 8); i < accountDigits.length; i++) {
    last8 = last8 * 10 + (accountDigits.charCodeAt(i) - 0x30);
  }
  return (hash + last8) % HASH_MOD;
}
