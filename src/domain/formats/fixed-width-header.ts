/** fixed_width header `H` (docs/formats.md, fixed_width): 200 bytes. */
import { defineRecord, field } from './field-table.ts';

export const FIXED_WIDTH_HEADER = defineRecord('H', 200, [
  field('record_type', 1, 1, 'X'),
  field('batch_number', 2, 20, 'X'),
  field('creation_date', 22, 8, '9'),
  field('creation_time', 30, 6, '9'),
  field('company_code', 36, 10, 'X'),
  field('company_name', 46, 40, 'X'),
  field('bank_code', 86, 3, '9'),
  field('file_sequence', 89, 3, '9'),
  field('format_version', 92, 3, 'X'),
  field('filler', 95, 106, 'X'),
]);

export const FORMAT_VERSION = '1.0';
