/** Reconciliation records as `parse --kind reconciliation` prints them (cli.md). */
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
  // tch_ach only
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

export interface ReconciliationDocument {
  format: string;
  records: ReconciliationRecord[];
  totals: { count: number; amount_cents: number };
}

export interface ReconciliationInput {
  records: ReconciliationRecord[];
  /** tch_ach: header fields of the ACHR01 file (TDATE/TTIME as ISO timestamp, our bank unit). */
  header?: { created_at?: string; bank_unit?: string };
}
