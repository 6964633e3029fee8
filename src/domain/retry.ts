/**
 * The retry table of docs/operations.md as pure maths. A failed attempt is classified by its `retryClass`:
 *
 * | class       | treatment                                                                              |
 * |-------------|----------------------------------------------------------------------------------------|
 * | `retry_now` | the first timeout of an item is retried at once; a second one is treated as `backoff`   |
 * | `backoff`   | the n-th retry waits 2^(n-1) s (1, 2, 4, 8, 16 …) capped at `maxBackoffSeconds`;       |
 * |             | after `maxAttempts` retries the item goes to the durable queue (RETRY.PROCESS)          |
 * | `critical`  | no automatic retry: `manual_intervention`                                               |
 *
 * @example
 *   decideRetry('backoff', { backoffRetries: 0, immediateRetryUsed: false }, DEFAULT_RETRY_POLICY);
 *   // { action: 'backoff', retry: 1, delayMs: 1000 }
 */
import type { RetryClass } from './failure.ts';

export interface RetryPolicy {
  /** Backoff retries of one item before it goes to the durable queue (config `retry.max_attempts`). */
  maxAttempts: number;
  /** Cap of one backoff wait (config `retry.max_backoff_seconds`). */
  maxBackoffSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, maxBackoffSeconds: 300 };

/** How far one work item got through the table so far. */
export interface RetryProgress {
  /** Backoff retries already scheduled for this item. */
  backoffRetries: number;
  /** Whether the one immediate retry after a timeout has been used. */
  immediateRetryUsed: boolean;
}

export const NO_RETRIES_YET: RetryProgress = { backoffRetries: 0, immediateRetryUsed: false };

export type RetryDecision =
  | { action: 'retry_now' }
  | { action: 'backoff' /** 1-based number of this retry */; retry: number; delayMs: number }
  | { action: 'queue' }
  | { action: 'manual_intervention' };

/** The wait before the n-th backoff retry (n >= 1): 2^(n-1) seconds, capped. */
export function backoffDelayMs(n: number, policy: Pick<RetryPolicy, 'maxBackoffSeconds'>): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`retry number must be a positive integer, got ${n}`);
  // 2^(n-1) overflows nothing we care about before the cap applies; min() keeps huge n finite.
  const seconds = Math.min(2 ** Math.min(n - 1, 52), policy.maxBackoffSeconds);
  return seconds * 1000;
}

export function decideRetry(retryClass: RetryClass, progress: RetryProgress, policy: RetryPolicy): RetryDecision {
  if (retryClass === 'critical') return { action: 'manual_intervention' };
  if (retryClass === 'retry_now' && !progress.immediateRetryUsed) return { action: 'retry_now' };
  if (progress.backoffRetries >= policy.maxAttempts) return { action: 'queue' };
  const retry = progress.backoffRetries + 1;
  return { action: 'backoff', retry, delayMs: backoffDelayMs(retry, policy) };
}

/** The progress after following `decision`. */
export function advanceRetry(progress: RetryProgress, decision: RetryDecision): RetryProgress {
  if (decision.action === 'retry_now') return { ...progress, immediateRetryUsed: true };
  if (decision.action === 'backoff') return { ...progress, backoffRetries: decision.retry };
  return progress;
}

/**
 * When a durable-queue entry that failed again is next due: the same doubling by its attempt count, capped,
 * so a bank that stays down is asked at most every `maxBackoffSeconds` (and RETRY.PROCESS runs hourly anyway).
 */
export function queueRetryDueAt(nowMs: number, attempts: number, policy: RetryPolicy): number {
  return nowMs + backoffDelayMs(Math.max(1, attempts), policy);
}
