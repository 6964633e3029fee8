import { describe, expect, it } from 'vitest';
import {
  advanceRetry,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  NO_RETRIES_YET,
  queueRetryDueAt,
} from './retry.ts';

describe('retry table', () => {
  it('retries a network timeout once at once, then backs off', () => {
    const first = decideRetry('retry_now', NO_RETRIES_YET, DEFAULT_RETRY_POLICY);
    expect(first).toEqual({ action: 'retry_now' });
    const second = decideRetry('retry_now', advanceRetry(NO_RETRIES_YET, first), DEFAULT_RETRY_POLICY);
    expect(second).toEqual({ action: 'backoff', retry: 1, delayMs: 1000 });
  });

  it('backs off a connection failure 1, 2, 4, 8, 16 s, then hands the item to the durable queue', () => {
    let progress = NO_RETRIES_YET;
    const waits: number[] = [];
    for (;;) {
      const decision = decideRetry('backoff', progress, DEFAULT_RETRY_POLICY);
      if (decision.action !== 'backoff') {
        expect(decision).toEqual({ action: 'queue' });
        break;
      }
      waits.push(decision.delayMs / 1000);
      progress = advanceRetry(progress, decision);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16]);
  });

  it('caps the wait at max_backoff', () => {
    expect(backoffDelayMs(9, { maxBackoffSeconds: 300 })).toBe(256_000);
    expect(backoffDelayMs(10, { maxBackoffSeconds: 300 })).toBe(300_000);
    expect(backoffDelayMs(1000, { maxBackoffSeconds: 300 })).toBe(300_000);
    expect(backoffDelayMs(4, { maxBackoffSeconds: 5 })).toBe(5_000);
    const policy = { maxAttempts: 12, maxBackoffSeconds: 300 };
    expect(decideRetry('backoff', { backoffRetries: 11, immediateRetryUsed: false }, policy)).toEqual({
      action: 'backoff',
      retry: 12,
      delayMs: 300_000,
    });
  });

  it('never retries a critical failure automatically', () => {
    expect(decideRetry('critical', NO_RETRIES_YET, DEFAULT_RETRY_POLICY)).toEqual({ action: 'manual_intervention' });
    expect(decideRetry('critical', { backoffRetries: 2, immediateRetryUsed: true }, DEFAULT_RETRY_POLICY).action).toBe(
      'manual_intervention',
    );
  });

  it('schedules a durable entry that failed again by its attempt count, capped', () => {
    expect(queueRetryDueAt(0, 1, DEFAULT_RETRY_POLICY)).toBe(1000);
    expect(queueRetryDueAt(0, 30, DEFAULT_RETRY_POLICY)).toBe(300_000);
    expect(() => backoffDelayMs(0, DEFAULT_RETRY_POLICY)).toThrow(RangeError);
  });
});
