/** fixed_width payment detail `D` (docs/formats.md, fixed_width): 200 bytes. */
import { defineRecord, field } from './field-table.ts';

export const FIXED_WIDTH_DETAIL = defineRecord('D', 200, [
  field('record_type', 1, 1, 'X'),
  field('sequence', 2, 6, '9'),
  field('transaction_id', 8, 20, 'X'),
  field('transaction_type', 28, 2, '9'),
  field('account_bank_code', 30, 3, '9'),
  field('account_branch_code', 33, 4, '9'),
  field('account_number', 37, 14, '9'),
  field('account_holder', 51, 30, 'X'),
  field('amount', 81, 13, '9'),
  field('value_date', 94, 8, '9'),
  field('id_number', 102, 10, 'X'),
  field('description', 112, 40, 'X'),
  field('customer_reference', 152, 20, 'X'),
  field('filler', 172, 29, 'X'),
]);

/** `22` pay to the account (credit), `27` collect from it (debit). */
export const TRANSACTION_TYPE = { credit: '22', debit: '27' } as const;
