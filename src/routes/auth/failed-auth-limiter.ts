/**
 * Rate limit on failed authentication, per client address: after `maxFailures` bad tokens within `windowMs`
 * the client's further bad tokens are answered 429 for `blockMs` without being counted, so guessing is slow.
 * A valid token is never refused: behind a proxy or NAT many operators may share an address, and one of them
 * mistyping (or a scanner) must not lock out the others. The address is the client as `clientResolver` sees
 * it (X-Forwarded-For only from trusted proxies).
 *
 * In memory, per instance: with N instances behind a load balancer an address gets up to N × maxFailures
 * guesses per window. Tokens carry 256 random bits, so that is still many orders of magnitude too few to guess
 * one; the limit is about noise and log volume, not the last line of defence.
 *
 * @example const limiter = new FailedAuthLimiter({ now: () => clock.now() });
 */
export interface FailedAuthLimits {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
}

export const DEFAULT_FAILED_AUTH_LIMITS: FailedAuthLimits = {
  maxFailures: 10,
  windowMs: 10 * 60_000,
  blockMs: 15 * 60_000,
};

interface Entry {
  failures: number[];
  blockedUntil: number;
}

/** Bound on tracked addresses, so a flood of spoofed sources cannot grow memory without limit. */
const MAX_TRACKED = 10_000;

export class FailedAuthLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly limits: FailedAuthLimits;
  private readonly now: () => Date;

  constructor(options: { now?: () => Date; limits?: Partial<FailedAuthLimits> } = {}) {
    this.now = options.now ?? (() => new Date());
    this.limits = { ...DEFAULT_FAILED_AUTH_LIMITS, ...options.limits };
  }

  /** Seconds until the address may try again; 0 when it is not blocked. */
  retryAfterSeconds(address: string): number {
    const entry = this.entries.get(address);
    if (!entry) return 0;
    const left = entry.blockedUntil - this.now().getTime();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** True when this failure started a block (a lockout, logged and counted by the caller). */
  recordFailure(address: string): boolean {
    const now = this.now().getTime();
    if (!this.entries.has(address) && this.entries.size >= MAX_TRACKED) this.prune(now);
    const entry = this.entries.get(address) ?? { failures: [], blockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => t > now - this.limits.windowMs);
    entry.failures.push(now);
    let locked = false;
    if (entry.failures.length >= this.limits.maxFailures) {
      entry.blockedUntil = now + this.limits.blockMs;
      entry.failures = [];
      locked = true;
    }
    this.entries.set(address, entry);
    return locked;
  }

  private prune(now: number): void {
    for (const [address, entry] of this.entries) {
      if (entry.blockedUntil <= now && entry.failures.every((t) => t <= now - this.limits.windowMs)) {
        this.entries.delete(address);
      }
    }
    // still full of live entries: forget the oldest rather than grow
    while (this.entries.size >= MAX_TRACKED) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
