/**
 * The system on simulated time: the real database, sandbox banks, PGP and bank actors, with the wall clock and
 * XState's timers (SimulatedClock) moved forward together in 5-minute steps, so every scheduled tick fires at its
 * time and the work it causes finishes before time moves on. Used by `banking-sftp simulate` and by the
 * end-to-end tests; a business day runs in seconds.
 */
import type { Logger } from 'pino';
import { SimulatedClock } from 'xstate';
import type { Config } from '../infra/config/schema.ts';
import type { DatabaseHandle } from '../infra/db/connect.ts';
import type { Telemetry } from '../infra/telemetry/metrics.ts';
import { type Operations, startOperations } from './operations.ts';

const STEP_MS = 5 * 60_000;

export interface Simulation {
  ops: Operations;
  clock: SimulatedClock;
  now(): Date;
  /** Moves time forward to `instant`, settling after every step; `onStep` runs after each step (pacing). */
  advanceTo(instant: Date, onStep?: (now: Date) => Promise<void> | void): Promise<void>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulation(options: {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  start: Date;
  instanceId?: string;
  telemetry?: Telemetry;
  /** Several instances on one database: their per-bank leases (real time, see bank-leases.ts). */
  bankLeases?: { ttlMs?: number; renewMs?: number };
  /** How often the calendar version is polled (real time; default 5 s). */
  calendarPollMs?: number;
}): Promise<Simulation> {
  let current = options.start;
  const clock = new SimulatedClock();
  clock.set(current.getTime());
  const ops = await startOperations({
    config: options.config,
    database: options.database,
    logger: options.logger,
    instanceId: options.instanceId ?? 'simulation',
    now: () => current,
    clock,
    stabilityWait: async () => {},
    // the bank answers `reconciliation_delay_seconds` of simulated time after a file arrives
    sandboxSchedule: (delay, task) => clock.setTimeout(task, delay),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.bankLeases ? { bankLeases: options.bankLeases } : {}),
    ...(options.calendarPollMs ? { calendarPollMs: options.calendarPollMs } : {}),
  });

  async function sandboxSettled(): Promise<boolean> {
    if (!ops.sandbox) return true;
    return Promise.race([
      Promise.all([...ops.sandbox.banks.values()].map((b) => b.settled())).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
  }

  async function settle() {
    let quiet = 0;
    for (let round = 0; round < 2000; round++) {
      await ops.idle();
      // timers due now (an instant the clock fires late, after a slow dispatch) run without time moving on
      clock.increment(0);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const view = await ops.refreshInspection();
      const working = view.banks.some((b) => b.activity === 'busy' || b.activity === 'checking');
      const done = !working && !view.clock.busy && view.concurrency.inUse === 0 && (await sandboxSettled());
      quiet = done ? quiet + 1 : 0;
      // two quiet looks in a row: work that a finished step queued has had its chance to start
      if (quiet >= 2) {
        await ops.system.flush();
        return;
      }
    }
    const view = await ops.refreshInspection();
    throw new Error(`the system did not settle: ${JSON.stringify(view.banks.map((b) => [b.bankCode, b.activity]))}`);
  }

  return {
    ops,
    clock,
    now: () => current,
    async advanceTo(instant, onStep) {
      while (current.getTime() < instant.getTime()) {
        const boundary = (Math.floor(current.getTime() / STEP_MS) + 1) * STEP_MS;
        const next = Math.min(boundary, instant.getTime());
        const delta = next - current.getTime();
        current = new Date(next);
        clock.increment(delta);
        await settle();
        await onStep?.(current);
      }
    },
    settle,
    stop: () => ops.stop(),
  };
}
