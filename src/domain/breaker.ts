/**
 * The per-bank circuit breaker as pure transitions (docs/operations.md): closed -> open after `failureThreshold`
 * consecutive failures; open for `openMs`, no attempt meanwhile; then half-open, where one probe decides:
 * success -> closed, failure -> open again with the timer restarted. Times are epoch milliseconds passed in.
 *
 * @example
 *   let b = INITIAL_BREAKER;
 *   for (let i = 0; i < 3; i++) b = breakerFailure(b, now, 'ECONNREFUSED', DEFAULT_BREAKER_POLICY);
 *   b.state; // 'open', b.openUntil === now + 300_000
 */
export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerPolicy {
  failureThreshold: number;
  openMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = { failureThreshold: 3, openMs: 300_000 };

export interface Breaker {
  state: BreakerStateName;
  consecutiveFailures: number;
  /** While open: when it turns half-open (epoch ms). Kept in state so it survives a restart. */
  openUntil: number | null;
  reason: string | null;
}

export const INITIAL_BREAKER: Breaker = { state: 'closed', consecutiveFailures: 0, openUntil: null, reason: null };

export function breakerFailure(breaker: Breaker, nowMs: number, reason: string, policy: BreakerPolicy): Breaker {
  const consecutiveFailures = breaker.consecutiveFailures + 1;
  const opens =
    breaker.state === 'half_open' || (breaker.state === 'closed' && consecutiveFailures >= policy.failureThreshold);
  if (opens) return { state: 'open', consecutiveFailures, openUntil: nowMs + policy.openMs, reason };
  // A failure while open (work that was already running) does not extend the timer.
  return { ...breaker, consecutiveFailures, reason: breaker.state === 'open' ? breaker.reason : reason };
}

export function breakerSuccess(_breaker: Breaker): Breaker {
  return INITIAL_BREAKER;
}

/** open -> half_open once the open period is over; anything else unchanged. */
export function breakerTimerElapsed(breaker: Breaker, nowMs: number): Breaker {
  if (breaker.state !== 'open' || breaker.openUntil === null || nowMs < breaker.openUntil) return breaker;
  return { ...breaker, state: 'half_open', openUntil: null };
}

/** What a new attempt may do now: go ahead, be the half-open probe, or not connect at all. */
export function breakerAdmits(breaker: Breaker, nowMs: number): 'attempt' | 'probe' | 'reject' {
  const current = breakerTimerElapsed(breaker, nowMs);
  if (current.state === 'closed') return 'attempt';
  if (current.state === 'half_open') return 'probe';
  return 'reject';
}

/** Milliseconds until an open breaker turns half-open (0 when due or not open). */
export function breakerRemainingMs(breaker: Breaker, nowMs: number): number {
  if (breaker.state !== 'open' || breaker.openUntil === null) return 0;
  return Math.max(0, breaker.openUntil - nowMs);
}
