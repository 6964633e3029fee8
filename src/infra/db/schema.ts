/**
 * Table types for Kysely. Both drivers are set up (see connect.ts) to return the same JavaScript values:
 * bigint -> number (money in integer cents stays far below 2^53), date -> 'YYYY-MM-DD' string (no time zone
 * games), timestamptz -> Date, bytea -> Uint8Array, jsonb -> parsed JSON.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T = unknown> = ColumnType<T, string, string>;
type JsonDefault<T = unknown> = ColumnType<T, string | undefined, string>;
/** ISO calendar day, 'YYYY-MM-DD', always Asia/Taipei business days. */
type Day = string;

export type InvoiceStatus = 'pending' | 'batched' | 'paid' | 'returned' | 'set_aside' | 'cancelled';
export type Direction = 'credit' | 'debit';
export type BatchState =
  | 'generated'
  | 'encrypted'
  | 'uploading'
  | 'uploaded'
  | 'confirmed'
  | 'failed'
  | 'cutoff_missed'
  | 'value_date_closed'
  | 'cancelled';
export type TransactionStatus = 'pending' | 'sent' | 'settled' | 'returned' | 'failed' | 'cancelled';
export type BreakerState = 'closed' | 'open' | 'half_open';
export type Health = 'healthy' | 'degraded' | 'down';
export type RetryStatus = 'pending' | 'in_progress' | 'done' | 'manual_intervention' | 'cancelled';
export type MatchResult =
  | 'matched'
  | 'unmatched'
  | 'amount_mismatch'
  | 'account_mismatch'
  | 'unknown_code'
  | 'duplicate';

export interface InvoicesTable {
  id: Generated<number>;
  invoice_number: string;
  bank_code: string;
  direction: Direction;
  counterparty_name: string;
  counterparty_id_number: string;
  account_bank_code: string;
  account_branch_code: string;
  account_number: string;
  amount_cents: number;
  due_date: Day;
  description: string | null;
  customer_reference: string | null;
  cno: string | null;
  txid: string | null;
  memo: string | null;
  status: ColumnType<InvoiceStatus, InvoiceStatus | undefined, InvoiceStatus>;
  validation_errors: Json<unknown[] | null> | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PaymentRunsTable {
  id: string;
  trigger: string;
  value_date: Day;
  bank_codes: Json<string[]>;
  status: ColumnType<'running' | 'succeeded' | 'partial' | 'failed', string | undefined, string>;
  instance_id: string | null;
  error: string | null;
  started_at: CreatedAt;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  summary: Json<Record<string, unknown>> | null;
}

export interface PaymentBatchesTable {
  id: Generated<number>;
  bank_code: string;
  value_date: Day;
  batch_seq: number;
  batch_number: string;
  run_id: string | null;
  file_format: string;
  file_name: string;
  state: ColumnType<BatchState, BatchState | undefined, BatchState>;
  transaction_count: number;
  total_cents: number;
  plaintext: Uint8Array | null;
  plaintext_sha256: string | null;
  ciphertext: Uint8Array | null;
  ciphertext_sha256: string | null;
  byte_size: number | null;
  warnings: JsonDefault<unknown[]>;
  validation_errors: JsonDefault<unknown[]>;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  uploaded_at: Date | null;
  confirmed_at: Date | null;
  plaintext_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface BatchStateHistoryTable {
  id: Generated<number>;
  batch_id: number;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  actor: string | null;
  at: CreatedAt;
}

export interface TransactionsTable {
  id: Generated<number>;
  transaction_id: string;
  invoice_id: number;
  batch_id: number;
  seq: number;
  bank_code: string;
  direction: Direction;
  amount_cents: number;
  account_last4: string;
  status: ColumnType<TransactionStatus, TransactionStatus | undefined, TransactionStatus>;
  return_code: string | null;
  return_reason: string | null;
  bank_reference: string | null;
  warnings: JsonDefault<unknown[]>;
  expected_result_by: Day | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TransactionStatusHistoryTable {
  id: Generated<number>;
  transaction_id: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  at: CreatedAt;
}

export interface TransfersTable {
  id: Generated<number>;
  bank_code: string;
  direction: 'upload' | 'download';
  remote_path: string;
  bytes: ColumnType<number, number | undefined, number>;
  sha256: string | null;
  duration_ms: ColumnType<number, number | undefined, number>;
  attempt: ColumnType<number, number | undefined, number>;
  result: 'success' | 'failure' | 'already_done';
  error: string | null;
  error_class: string | null;
  batch_id: number | null;
  instance_id: string | null;
  started_at: CreatedAt;
}

export interface RetryQueueTable {
  id: Generated<number>;
  bank_code: string;
  kind: string;
  ref: string;
  payload: JsonDefault<Record<string, unknown>>;
  attempts: ColumnType<number, number | undefined, number>;
  due_at: Timestamp;
  status: ColumnType<RetryStatus, RetryStatus | undefined, RetryStatus>;
  last_error: string | null;
  error_class: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ReconciliationFilesTable {
  id: Generated<number>;
  bank_code: string;
  remote_name: string;
  remote_size: number;
  remote_mtime: number;
  sha256: string;
  status: ColumnType<'received' | 'applied' | 'quarantined', string | undefined, string>;
  error: string | null;
  record_count: number | null;
  stored_path: string | null;
  received_at: CreatedAt;
  applied_at: Date | null;
}

export interface ReconciliationRecordsTable {
  id: Generated<number>;
  file_id: number;
  line: number;
  record_type: string;
  seq: number | null;
  transaction_id: string | null;
  bank_reference: string | null;
  code: string | null;
  message: string | null;
  record_date: Day | null;
  amount_cents: number | null;
  unknown_code: ColumnType<boolean, boolean | undefined, boolean>;
  matched_transaction: number | null;
  match_result: MatchResult;
  raw: Json<Record<string, unknown>>;
}

export interface ExceptionsTable {
  id: Generated<number>;
  bank_code: string;
  kind: string;
  ref: string;
  message: string;
  details: JsonDefault<Record<string, unknown>>;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  notified_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
  created_at: CreatedAt;
}

export interface BankStateTable {
  bank_code: string;
  breaker_state: ColumnType<BreakerState, BreakerState | undefined, BreakerState>;
  breaker_reason: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  open_until: Date | null;
  health: ColumnType<Health, Health | undefined, Health>;
  manual_intervention: ColumnType<boolean, boolean | undefined, boolean>;
  manual_reason: string | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
  updated_at: Timestamp;
}

export interface TickDispatchTable {
  event: string;
  scheduled_at: Date;
  dispatched_at: CreatedAt;
  instance_id: string;
  catch_up: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface BankLeasesTable {
  bank_code: string;
  /** Empty when nobody ever held it. */
  instance_id: ColumnType<string, string | undefined, string>;
  expires_at: Date;
  acquired_at: Date | null;
}

export interface ServiceInstancesTable {
  instance_id: string;
  heartbeat_at: Date;
  started_at: CreatedAt;
}

export interface CalendarOverridesTable {
  day: Day;
  /** '*' = every bank. */
  bank_code: ColumnType<string, string | undefined, string>;
  kind: 'holiday' | 'workday';
  reason: string;
  created_by: string;
  created_at: CreatedAt;
}

export interface CalendarVersionTable {
  id: number;
  version: ColumnType<string | number, string | number | undefined, string | number>;
  changed_at: ColumnType<Date, Date | undefined, Date>;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string;
  action: string;
  target: string | null;
  details: JsonDefault<Record<string, unknown>>;
  result: string;
  at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_sha256: string;
  role: 'viewer' | 'operator';
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface MonitorSessionsTable {
  id_sha256: string;
  token_id: number;
  csrf_token: string;
  created_at: CreatedAt;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface OutboxMessagesTable {
  id: Generated<number>;
  channel: 'email' | 'webhook';
  recipients: Json<string[]>;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: ColumnType<'pending' | 'sent' | 'failed' | 'logged', string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  created_at: CreatedAt;
  sent_at: Date | null;
  /** When a failed delivery is tried again; null once sent or given up. */
  next_attempt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** One notice per key, whichever instance writes it first. */
  dedupe_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DailyReportsTable {
  business_date: Day;
  summary: Json<Record<string, unknown>>;
  text_body: string;
  html_body: string;
  created_at: CreatedAt;
}

export interface ArchivedFilesTable {
  id: Generated<number>;
  bank_code: string;
  kind: string;
  path: string;
  sha256: string;
  bytes: number;
  archived_at: CreatedAt;
  expires_at: Date | string;
}

export interface QuarantinedFilesTable {
  id: Generated<number>;
  bank_code: string;
  remote_name: string;
  path: string;
  sha256: string;
  bytes: number;
  error_class: string;
  error: string;
  created_at: CreatedAt;
}

export interface Database {
  invoices: InvoicesTable;
  payment_runs: PaymentRunsTable;
  payment_batches: PaymentBatchesTable;
  batch_state_history: BatchStateHistoryTable;
  transactions: TransactionsTable;
  transaction_status_history: TransactionStatusHistoryTable;
  transfers: TransfersTable;
  retry_queue: RetryQueueTable;
  reconciliation_files: ReconciliationFilesTable;
  reconciliation_records: ReconciliationRecordsTable;
  exceptions: ExceptionsTable;
  bank_state: BankStateTable;
  tick_dispatch: TickDispatchTable;
  bank_leases: BankLeasesTable;
  service_instances: ServiceInstancesTable;
  calendar_overrides: CalendarOverridesTable;
  calendar_version: CalendarVersionTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  monitor_sessions: MonitorSessionsTable;
  outbox_messages: OutboxMessagesTable;
  daily_reports: DailyReportsTable;
  archived_files: ArchivedFilesTable;
  quarantined_files: QuarantinedFilesTable;
}

export type Invoice = Selectable<InvoicesTable>;
export type NewInvoice = Insertable<InvoicesTable>;
export type PaymentBatch = Selectable<PaymentBatchesTable>;
export type PaymentBatchUpdate = Updateable<PaymentBatchesTable>;
export type Transaction = Selectable<TransactionsTable>;
export type Transfer = Selectable<TransfersTable>;
export type NewTransfer = Insertable<TransfersTable>;
export type RetryEntry = Selectable<RetryQueueTable>;
export type BankState = Selectable<BankStateTable>;
