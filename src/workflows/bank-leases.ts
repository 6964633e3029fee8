/**
 * Keeps this instance's per-bank leases (repositories/bank-leases.ts) on a heartbeat: a round every `renewMs`.
 * Leases live on real time and the database's clock even when the business day is simulated: expiry is about
 * processes dying, which happens in real time. `holds()` answers from the last round, synchronously, for the
 * clock and the payment run to route work.
 *
 * @example
 *   const leases = createBankLeaseKeeper({ db, instanceId, bankCodes, now, clock, onRound: (held) => ... });
 *   await leases.start();
 *   leases.holds('mega');
 */
import type { Kysely } from 'kysely';
import type { BankLeases, TimerClock } from '../actors/ports.ts';
import { balanceLeases, type LeaseRound, releaseLeases } from '../infra/db/repositories/bank-leases.ts';
import type { Database } from '../infra/db/schema.ts';

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_LEASE_RENEW_MS = 10_000;

export interface BankLeaseKeeper extends BankLeases {
  held(): string[];
  /** One round now (start() runs the first; the timer the rest). */
  round(): Promise<LeaseRound | null>;
  start(): Promise<void>;
  /** Stops renewing and gives the leases back. */
  stop(): Promise<void>;
}

export function createBankLeaseKeeper(options: {
  db: Kysely<Database>;
  instanceId: string;
  bankCodes: string[];
  /** Round times (tests); absent = the database's clock. */
  now?: () => Date;
  /** Timers of the heartbeat; absent = real timers. */
  clock?: TimerClock;
  ttlMs?: number;
  renewMs?: number;
  /** After every round, with what changed (the caller submits the held banks' waiting work). */
  onRound?: (round: LeaseRound) => Promise<void> | void;
  onError?: (error: unknown) => void;
  /** Tracks each round (operations' idle() waits for it). */
  track?: (work: Promise<unknown>) => void;
}): BankLeaseKeeper {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewMs = options.renewMs ?? DEFAULT_LEASE_RENEW_MS;
  const clock: TimerClock = options.clock ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  };
  let held = new Set<string>();
  let timer: unknown = null;
  let running: Promise<LeaseRound | null> | null = null;
  let stopped = false;

  async function roundNow(): Promise<LeaseRound | null> {
    try {
      const result = await balanceLeases(options.db, {
        instanceId: options.instanceId,
        bankCodes: options.bankCodes,
        ttlMs,
        ...(options.now ? { now: options.now() } : {}),
      });
      held = new Set(result.held);
      await options.onRound?.(result);
      return result;
    } catch (error) {
      // A database error: keep working for what we held until the leases would expire anyway.
      options.onError?.(error);
      return null;
    }
  }

  function round(): Promise<LeaseRound | null> {
    running ??= roundNow().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = null;
      const work = round().finally(schedule);
      options.track?.(work);
    }, renewMs);
  }

  return {
    holds: (bankCode) => held.has(bankCode),
    held: () => [...held].sort(),
    round,
    async start() {
      stopped = false;
      await round();
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      await running;
      held = new Set();
      await releaseLeases(options.db, options.instanceId).catch((error: unknown) => options.onError?.(error));
    },
  };
}
