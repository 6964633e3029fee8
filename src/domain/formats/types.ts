/** The batch.json shape of docs/cli.md: the input of the payment writers and the output of `parse --kind payment`. */
export type FileFormat = 'fixed_width' | 'tch_ach' | 'csv';
export type Encoding = 'Big5' | 'UTF-8';

export interface PaymentTransaction {
  transaction_id: string;
  direction: 'credit' | 'debit';
  /** tch_ach only: TXID, 3 digits. */
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
  /** tch_ach only: CNO 用戶號碼, required for debits. */
  cno?: string;
  /** tch_ach only: MEMO 存摺摘要. */
  memo?: string;
}

export interface Originator {
  company_code: string;
  company_name: string;
  id_number: string;
  /** 7-digit bank unit (bank + branch) of our account: tch_ach SORG/PBANK. */
  bank_unit: string;
  account_number: string;
}

export interface PaymentBatchInput {
  batch_number: string;
  /** ISO timestamp with an offset or Z: the header date/time (Asia/Taipei). */
  created_at: string;
  value_date: string;
  file_sequence: number;
  /** The 3-digit code of the bank the file goes to. */
  fisc_code: string;
  originator: Originator;
  transactions: PaymentTransaction[];
}

/** A problem with one field of one transaction (or of the batch, when `transaction_id` is null). */
export interface FieldIssue {
  transaction_id: string | null;
  field: string;
  message: string;
  value?: string;
}

/** Reconciliation records as `parse --kind reconciliation` prints them (docs/cli.md). */
export interface ReconciliationRecord {
  record_type: string;
  seq: number | null;
  transaction_id: string | null;
  bank_reference?: string | null;
  code: string | null;
  message?: string | null;
  date: string | null;
  amount_cents: number | null;
  unknown_code?: true;
  // tch_ach (ACHR01) only
  type?: string | null;
  txtype?: string | null;
  txid?: string | null;
  pbank?: string | null;
  pclno?: string | null;
  rbank?: string | null;
  rclno?: string | null;
  cid?: string | null;
  pid?: string | null;
  cno?: string | null;
  note?: string | null;
  pdate?: string | null;
  pseq?: number | null;
}

export interface ReconciliationTotals {
  count: number;
  amount_cents: number;
}

export interface ReconciliationDocument {
  format: FileFormat;
  records: ReconciliationRecord[];
  totals: ReconciliationTotals;
}

export interface ReconciliationInput {
  records: ReconciliationRecord[];
  /**
   * Header of the written file. fixed_width: written as an H/T frame only when given. tch_ach: TDATE/TTIME from
   * `created_at` (else the first record's date at 00:00:00), RORG = `bank_unit` (else the first record's RBANK).
   */
  header?: {
    created_at?: string;
    bank_unit?: string;
    batch_number?: string;
    company_code?: string;
    company_name?: string;
    fisc_code?: string;
    file_sequence?: number;
  };
}

export interface FormatOptions {
  encoding: Encoding;
}

export interface ParseOptions extends FormatOptions {
  fileName: string;
}
