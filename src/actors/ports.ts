/**
 * What the actors need from the rest of the system, as interfaces: the lead implements them in main.ts (SFTP,
 * PGP, database, alerts) and tests implement them in memory. Every long operation takes the abort `signal` of
 * the invoked actor and must pass it on (SFTP and SQL calls), so a stopped actor stops its work.
 */
import type { BreakerStateName } from '../domain/breaker.ts';
import type { RetryClass } from '../domain/failure.ts';
import type { Tick } from '../domain/schedule.ts';

export type Health = 'healthy' | 'degraded' | 'down';

/** One payment batch to upload (the implementation loads the batch by id and uploads it idempotently). */
export interface UploadJob {
  batchId: number;
  /** Value date of the batch: its cutoff is `valueDate` at the bank's cutoff_time. */
  valueDate: string;
}

export interface HealthCheckResult {
  latencyMs: number;
}

/** The work a bank actor performs, one item at a time. Errors carry `retryClass` (domain/failure.ts). */
export interface BankWork {
  upload(job: UploadJob, signal: AbortSignal): Promise<void>;
  poll(signal: AbortSignal): Promise<void>;
  healthCheck(signal: AbortSignal): Promise<HealthCheckResult>;
}

export interface PersistedBankState {
  bankCode: string;
  breakerState: BreakerStateName;
  breakerReason: string | null;
  consecutiveFailures: number;
  openUntil: Date | null;
  health: Health;
  manualIntervention: boolean;
  manualReason: string | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
}

export type WorkKind = 'upload' | 'poll' | 'health';

/** An entry of the durable retry queue, claimed for this bank actor. */
export interface QueuedWork {
  id: number;
  kind: WorkKind;
  ref: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** Durable state of the bank actors: bank_state and retry_queue (see actors/db-store.ts). */
export interface BankStore {
  saveState(state: PersistedBankState): Promise<void>;
  loadState(bankCode: string): Promise<PersistedBankState | null>;
  enqueue(entry: {
    bankCode: string;
    kind: WorkKind;
    ref: string;
    payload: Record<string, unknown>;
    dueAt: Date;
    attempts: number;
    error: string | null;
    errorClass: RetryClass | null;
    manual: boolean;
  }): Promise<void>;
  claimDue(bankCode: string, now: Date): Promise<QueuedWork[]>;
  complete(id: number): Promise<void>;
  reschedule(id: number, dueAt: Date, error: string, errorClass: RetryClass): Promise<void>;
  markManual(id: number, error: string, errorClass: RetryClass): Promise<void>;
  resolveManual(bankCode: string, retry: boolean, now: Date): Promise<void>;
  queueStats(): Promise<Array<{ bankCode: string; size: number; nextDueAt: Date | null }>>;
}

/** The cutoff of `businessDate` has passed for the bank: mark its not-uploaded batches cutoff_missed and alert. */
export interface CutoffPort {
  cutoffReached(bankCode: string, businessDate: string): void | Promise<void>;
}

/** Logging, metrics and alerts hooks (all optional). */
export interface BankObserver {
  onBreakerChange?(bankCode: string, state: BreakerStateName, reason: string | null): void;
  onManualIntervention?(bankCode: string, reason: string): void;
  onWorkFailed?(bankCode: string, kind: WorkKind, error: unknown, retryClass: RetryClass): void;
  onError?(where: string, error: unknown): void;
}

/** Where the clock's ticks go (the system routes them to bank actors and to the lead's handlers). */
export type TickHandler = (tick: Tick) => void | Promise<void>;

/** The clock's view of the dispatch log and the leadership (repositories tick-dispatch.ts, leadership.ts). */
export interface TickLog {
  isLeader(): Promise<boolean>;
  /** true when this instance recorded the tick first and must dispatch it. */
  claim(tick: Tick): Promise<boolean>;
}

/** Source of the current time: `Date.now` in production, the SimulatedClock in tests. */
export interface TimeSource {
  now(): number;
}

/** Timers for the actors (XState's `Clock`): real timers in production, the SimulatedClock in tests. */
export interface TimerClock {
  setTimeout(fn: () => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Per-bank leases (several instances on one database): an instance works only for the banks it holds. */
export interface BankLeases {
  holds(bankCode: string): boolean;
}
