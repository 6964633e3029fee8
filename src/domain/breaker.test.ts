import { describe, expect, it } from 'vitest';
import {
  type Breaker,
  breakerAdmits,
  breakerFailure,
  breakerRemainingMs,
  breakerSuccess,
  breakerTimerElapsed,
  DEFAULT_BREAKER_POLICY,
  INITIAL_BREAKER,
} from './breaker.ts';

const policy = DEFAULT_BREAKER_POLICY;

function fail(b: Breaker, n: number, at = 0): Breaker {
  for (let i = 0; i < n; i++) b = breakerFailure(b, at, `refused #${i + 1}`, policy);
  return b;
}

describe('circuit breaker maths', () => {
  it('opens after 3 consecutive failures, not before', () => {
    expect(fail(INITIAL_BREAKER, 2).state).toBe('closed');
    const open = fail(INITIAL_BREAKER, 3, 1_000);
    expect(open).toMatchObject({ state: 'open', openUntil: 301_000, reason: 'refused #3' });
  });

  it('a success in between resets the count', () => {
    const b = fail(breakerSuccess(fail(INITIAL_BREAKER, 2)), 2);
    expect(b.state).toBe('closed');
  });

  it('admits nothing while open, one probe after exactly the open period', () => {
    const open = fail(INITIAL_BREAKER, 3, 0);
    expect(breakerAdmits(open, 299_999)).toBe('reject');
    expect(breakerRemainingMs(open, 100_000)).toBe(200_000);
    expect(breakerAdmits(open, 300_000)).toBe('probe');
    expect(breakerTimerElapsed(open, 299_999).state).toBe('open');
    expect(breakerTimerElapsed(open, 300_000).state).toBe('half_open');
  });

  it('half-open: success closes, failure re-opens with the timer restarted', () => {
    const half = breakerTimerElapsed(fail(INITIAL_BREAKER, 3, 0), 300_000);
    expect(breakerSuccess(half)).toEqual(INITIAL_BREAKER);
    const reopened = breakerFailure(half, 400_000, 'still refused', policy);
    expect(reopened).toMatchObject({ state: 'open', openUntil: 700_000, reason: 'still refused' });
  });

  it('a late failure while open does not extend the timer', () => {
    const open = fail(INITIAL_BREAKER, 3, 0);
    expect(breakerFailure(open, 10_000, 'late', policy)).toMatchObject({ openUntil: 300_000, reason: 'refused #3' });
  });

  it('thresholds come from the policy', () => {
    const p = { failureThreshold: 1, openMs: 60_000 };
    expect(breakerFailure(INITIAL_BREAKER, 5, 'x', p)).toMatchObject({ state: 'open', openUntil: 60_005 });
  });
});
