/** tch_ach header 首錄 (docs/formats.md, tch_ach): 250 bytes, ACHP01 and ACHR01 alike. */
import { defineRecord, field } from './field-table.ts';

export const ACH_HEADER = defineRecord('header', 250, [
  field('bof', 1, 3, 'X'),
  field('cdata', 4, 6, 'X'),
  field('tdate', 10, 8, '9'),
  field('ttime', 18, 6, '9'),
  field('sorg', 24, 7, '9'),
  field('rorg', 31, 7, '9'),
  field('verno', 38, 3, 'X'),
  field('filler', 41, 210, 'X'),
]);

/** The ACH centre's unit code: RORG of a P01 file, SORG of an R01 file. */
export const ACH_CENTRE = '9990250';
export const ACH_VERSION = 'V10';
