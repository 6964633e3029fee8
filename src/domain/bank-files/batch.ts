/** The batch.json shape of cli.md: the input of the writers and the output of `parse --kind payment`. */
export type FileFormat = 'fixed_width' | 'tch_ach' | 'csv';

export interface PaymentTransaction {
  transaction_id: string;
  direction: 'credit' | 'debit';
  txid?: string;
  /** The counterparty account's 3-digit bank code. */
  fisc_code: string;
  branch_code: string;
  account_number: string;
  account_holder: string;
  amount_cents: number;
  id_number: string;
  description?: string;
  customer_reference?: string;
  cno?: string;
  memo?: string;
}

export interface Originator {
  company_code: string;
  company_name: string;
  id_number: string;
  bank_unit: string;
  account_number: string;
}

export interface PaymentBatchInput {
  batch_number: string;
  created_at: string;
  value_date: string;
  file_sequence: number;
  /** The 3-digit code of the bank the file goes to. */
  fisc_code: string;
  originator: Originator;
  transactions: PaymentTransaction[];
}
