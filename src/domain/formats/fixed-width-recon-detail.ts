/** fixed_width reconciliation detail `D`: the bank processed the transaction (docs/formats.md, fixed_width). */
import { defineRecord, field } from './field-table.ts';

export const FIXED_WIDTH_RECON_DETAIL = defineRecord('D', 200, [
  field('record_type', 1, 1, 'X'),
  field('sequence', 2, 6, '9'),
  field('transaction_id', 8, 20, 'X'),
  field('bank_reference', 28, 20, 'X'),
  field('response_code', 48, 3, '9'),
  field('processed_date', 51, 8, '9'),
  field('processed_amount', 59, 13, '9'),
  field('message', 72, 40, 'X'),
  field('filler', 112, 89, 'X'),
]);
