/**
 * The state the gauges on /metrics are read from. The composition root implements `MetricsSource` over
 * `ActorSystem.inspect()`, the SFTP pools and a few database queries; telemetry only reads it.
 *
 * @example
 *   telemetry.setSource(async () => ({ banks: [{ bank: '004', consecutiveFailures: 0, ... }] }));
 */

export type BreakerState = 'closed' | 'open' | 'half_open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

export interface BankMetricsSnapshot {
  /** Bank code, the `bank` label (e.g. '004'). */
  bank: string;
  /** Consecutive connection/transfer failures since the last success. */
  consecutiveFailures: number;
  pool: { active: number; idle: number; waiting: number };
  /** Entries in the durable retry queue (in-memory plus PostgreSQL) for this bank. */
  retryQueueSize: number;
  /** Age of the oldest retry-queue entry; 0 when the queue is empty. */
  retryQueueOldestAgeSeconds: number;
  breaker: BreakerState;
  /** Oldest batch waiting to be uploaded / oldest downloaded file waiting to be processed; 0 when none waits. */
  pendingProcessingAgeSeconds: { batch: number; file: number };
  /**
   * Seconds from now until today's cutoff for the oldest batch not yet uploaded (negative once missed);
   * null when nothing waits for today's cutoff, and then the series is not exported.
   */
  cutoffSlackSeconds: number | null;
  /** Days until each configured PGP key expires (negative once expired); `key` is a fingerprint or key name. */
  pgpKeyExpiryDays: readonly { key: string; days: number }[];
  /** Unix time of the last successful reconciliation poll; null = none yet (series not exported). */
  lastSuccessfulPollTimestampSeconds: number | null;
}

export interface MetricsSnapshot {
  banks: readonly BankMetricsSnapshot[];
  /**
   * Whether today (Asia/Taipei) is a business day by the holiday calendar: `banking_business_day`, which keeps
   * NoSuccessfulPoll quiet on weekday holidays. Omitted = the alert falls back to Monday–Friday.
   */
  businessDay?: boolean;
}

/** Called before each scrape; may be async. */
export type MetricsSource = () => Promise<MetricsSnapshot> | MetricsSnapshot;
