/** tch_ach detail 明細錄 (docs/formats.md, tch_ach): 250 bytes, TYPE `N` (new) or `R` (return). */
import { defineRecord, field } from './field-table.ts';

export const ACH_DETAIL = defineRecord('detail', 250, [
  field('type', 1, 1, 'X'),
  field('txtype', 2, 2, 'X'),
  field('txid', 4, 3, '9'),
  field('seq', 7, 8, '9'),
  field('pbank', 15, 7, '9'),
  field('pclno', 22, 16, '9'),
  field('rbank', 38, 7, '9'),
  field('rclno', 45, 16, '9'),
  field('amt', 61, 10, '9'),
  field('rcode', 71, 2, 'X'),
  field('schd', 73, 1, 'X'),
  field('cid', 74, 10, 'X'),
  field('pid', 84, 10, 'X'),
  field('sid', 94, 6, 'X'),
  field('pdate', 100, 8, '9'),
  field('pseq', 108, 8, '9'),
  field('pschd', 116, 1, 'X'),
  field('cno', 117, 20, 'X'),
  field('note', 137, 40, 'X'),
  field('memo', 177, 10, 'X'),
  field('cfee', 187, 5, '9'),
  field('noteb', 192, 20, 'X'),
  field('filler', 212, 39, 'X'),
]);

/** TXTYPE: `SC` 代付 (credit), `SD` 代收 (debit). */
export const TXTYPE = { credit: 'SC', debit: 'SD' } as const;
