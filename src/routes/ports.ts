/**
 * What the monitor API needs from the running system that is not in the database: live actor state and the
 * actions that go through the bank actors and workflows. main.ts implements it with the real actors; tests
 * pass a fake. Reads of stored data (dashboard, history, batches, exceptions, retry queue) go to the database
 * through repositories instead, so they work the same on every instance.
 */
import type { BreakerState, Health } from '../infra/db/schema.ts';

export interface BankSnapshot {
  bankCode: string;
  breaker: BreakerState;
  /** When an open breaker lets the next probe through. */
  breakerOpenUntil: Date | null;
  health: Health;
  pool: { active: number; idle: number; waiting: number };
  /** Open retry-queue entries for this bank (pending + in progress + manual intervention). */
  queueSize: number;
  nextRetryAt: Date | null;
  manualIntervention: { reason: string; since: Date } | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
}

export interface SystemSnapshot {
  /** Active banks only, in configuration order. */
  banks: BankSnapshot[];
  /** The clock actor's next tick per event, e.g. `{ event: 'PAYMENTS.GENERATE', at }`. */
  nextTicks: Array<{ event: string; at: Date }>;
  /** E.g. "2027 calendar is provisional" when the next 60 days reach a provisional or missing year. */
  calendarWarnings: string[];
  /** The payment run in progress, if any. */
  runningPaymentRun: { runId: string; startedAt: Date } | null;
}

export interface TestConnectionReport {
  ok: boolean;
  serverBanner: string | null;
  algorithms: { kex: string; serverHostKey: string; cipher: string; mac: string } | null;
  hostKeySha256: string | null;
  /** null when the bank has no pin (sandbox or insecure_accept_any_host_key). */
  hostKeyMatchesPin: boolean | null;
  sftpExtensions: string[];
  latencyMs: number;
  /** A temporary file was written to the upload path and removed. */
  uploadPathWritable: boolean;
  /** What failed, already masked; null when ok. */
  error: string | null;
  errorClass: string | null;
  /** The upload probe step by step (list, write, stat, rename, remove); absent where not run. */
  uploadProbe?: Array<{ step: string; ok: boolean; ms: number; detail: string | null; error: string | null }>;
  /** The server's offered algorithm lists, comma-separated, as far as the handshake got. */
  serverOffer?: Record<string, string> | null;
}

/**
 * An action the system declines for a reason the operator can act on; mapped to a problem response:
 * `conflict` -> 409, `not_found` -> 404, `invalid` -> 422.
 */
export class ActionRefused extends Error {
  override readonly name = 'ActionRefused';
  constructor(
    readonly reason: 'conflict' | 'not_found' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** `actor` is the audit identity of the API caller, e.g. `ops-alice#3`. Actions may throw ActionRefused. */
export interface MonitorPorts {
  snapshot(): SystemSnapshot;
  testConnection(bankCode: string): Promise<TestConnectionReport>;
  /** Starts the run and resolves once it is registered (not when it ends). */
  triggerPaymentRun(request: {
    bankCodes?: string[];
    valueDate?: string;
    actor: string;
  }): Promise<{ runId: string } | { conflict: true; runId: string }>;
  resolveManualIntervention(bankCode: string, actor: string, note: string): Promise<void>;
  /** Re-attempts one retry-queue entry now; resolves when the attempt is over (its outcome is in the database). */
  retryNow(entryId: number, actor: string): Promise<void>;
  /** Moves a `cutoff_missed` batch to another value date (a business day) so it is uploaded again. */
  redateBatch(batchId: number, newValueDate: string, actor: string): Promise<void>;
  /** Cancels a `cutoff_missed` batch; its invoices go back to pending. */
  cancelBatch(batchId: number, actor: string, reason: string): Promise<void>;
}
