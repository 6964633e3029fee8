/** tch_ach trailer 尾錄 (docs/formats.md, tch_ach): 250 bytes. */
import { defineRecord, field } from './field-table.ts';

export const ACH_TRAILER = defineRecord('trailer', 250, [
  field('eof', 1, 3, 'X'),
  field('cdata', 4, 6, 'X'),
  field('tdate', 10, 8, '9'),
  field('sorg', 18, 7, '9'),
  field('rorg', 25, 7, '9'),
  field('tcount', 32, 8, '9'),
  field('tamt', 40, 16, '9'),
  field('ydate', 56, 8, '9'),
  field('filler', 64, 187, 'X'),
]);
