/** fixed_width reconciliation return `R`: the transaction was returned (docs/formats.md, fixed_width). */
import { defineRecord, field } from './field-table.ts';

export const FIXED_WIDTH_RECON_RETURN = defineRecord('R', 200, [
  field('record_type', 1, 1, 'X'),
  field('sequence', 2, 6, '9'),
  field('transaction_id', 8, 20, 'X'),
  field('reason_code', 28, 3, 'X'),
  field('return_date', 31, 8, '9'),
  field('original_amount', 39, 13, '9'),
  field('message', 52, 40, 'X'),
  field('filler', 92, 109, 'X'),
]);
