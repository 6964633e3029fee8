/**
 * The clock actor: dispatches PAYMENTS.GENERATE, RECONCILIATION.POLL, RETRY.PROCESS, HEALTH.CHECK, REPORT.DAILY
 * (and each bank's BANK.CUTOFF) at the times of domain/schedule.ts. The wait is an `after` whose delay is computed
 * from croner's next run, so XState's clock (SimulatedClock in tests) drives it. On start it first catches up the
 * ticks missed while the service was down (`catchUpTicks`).
 *
 * A tick is dispatched only by the leader (advisory lock, see repositories/leadership.ts) and only when its row
 * in the dispatch log was inserted by this instance: never twice, even across a leader change.
 *
 * @example
 *   const clock = createActor(createClockMachine({ schedule, calendar: () => calendar, ticks, dispatch, time }));
 *   clock.start();
 */
import { assign, fromPromise, setup } from 'xstate';
import type { BusinessCalendar } from '../domain/calendar/business-calendar.ts';
import { catchUpTicks, nextDue, type Schedule, type Tick } from '../domain/schedule.ts';
import type { TickHandler, TickLog, TimeSource } from './ports.ts';

export interface ClockMachineDeps {
  schedule: Schedule;
  /** The calendar in force (a getter: operator overrides change it at run time; send CALENDAR.CHANGED). */
  calendar: () => BusinessCalendar;
  ticks: TickLog;
  dispatch: TickHandler;
  time: TimeSource;
  onError?: (where: string, error: unknown) => void;
  /**
   * Per-bank leases: which part of a tick is global (the leader's) and which per-bank ticks this instance
   * dispatches for the banks it holds, leader or not. Absent: every tick is global.
   */
  expand?: (tick: Tick) => { global: boolean; perBank: Tick[] };
}

export type ClockEvent = { type: 'CALENDAR.CHANGED' };

export interface ClockContext {
  /** The next instant anything is due and what is due then. */
  due: { at: number; ticks: Tick[] } | null;
  /** The last instant fired, so the next computation never returns it again. */
  lastFiredAt: number | null;
  leader: boolean;
  dispatched: number;
  /** Failed attempts at firing the current instant (a database error): retried before moving on. */
  fireFailures: number;
}

/** A tick whose dispatch failed on a database error is tried this often, FIRE_RETRY_MS apart. */
const FIRE_ATTEMPTS = 3;
const FIRE_RETRY_MS = 30_000;

interface FireResult {
  leader: boolean;
  dispatched: number;
  /** Catch-up: the instant it looked back from; everything due up to it has been considered. */
  coveredUntil?: number;
}

export function createClockMachine(deps: ClockMachineDeps) {
  const now = () => deps.time.now();
  const report = (where: string, error: unknown) => deps.onError?.(where, error);

  /**
   * Leader check, then claim-and-dispatch each tick (global ones by the leader only; per-bank ones by the bank's
   * lease holder); a tick someone else claimed is skipped.
   */
  async function fire(ticks: Tick[], signal: AbortSignal): Promise<FireResult> {
    const leader = await deps.ticks.isLeader();
    if (!leader && !deps.expand) return { leader, dispatched: 0 };
    let dispatched = 0;
    for (const tick of ticks) {
      const { global, perBank } = deps.expand ? deps.expand(tick) : { global: true, perBank: [] };
      for (const one of [...(global && leader ? [tick] : []), ...perBank]) {
        if (signal.aborted) break;
        if (!(await deps.ticks.claim(one))) continue;
        dispatched++;
        // The work a tick starts (a payment run) may take minutes: the clock does not wait for it.
        Promise.resolve()
          .then(() => deps.dispatch(one))
          .catch((error) => report(`dispatch ${one.key}`, error));
      }
    }
    return { leader, dispatched };
  }

  return setup({
    types: { context: {} as ClockContext, events: {} as ClockEvent },
    actors: {
      catchUp: fromPromise<FireResult>(async ({ signal }) => {
        const at = now();
        return { ...(await fire(catchUpTicks(deps.schedule, at, deps.calendar()), signal)), coveredUntil: at };
      }),
      fire: fromPromise<FireResult, { ticks: Tick[] }>(({ input, signal }) => fire(input.ticks, signal)),
    },
    delays: {
      untilDue: ({ context }) => Math.max(0, (context.due?.at ?? now()) - now()),
    },
    actions: {
      // From the last instant handled, not from now: time that passed while a catch-up or a fire was in flight
      // (or a jump of the clock) may hold a due tick, which `waiting` then hands to a new catch-up.
      planNext: assign({
        due: ({ context }) => nextDue(deps.schedule, context.lastFiredAt ?? now(), deps.calendar()),
      }),
      recordFire: assign(({ context }, result: FireResult) => ({
        leader: result.leader,
        dispatched: context.dispatched + result.dispatched,
        fireFailures: 0,
        ...(result.coveredUntil !== undefined
          ? { lastFiredAt: Math.max(context.lastFiredAt ?? 0, result.coveredUntil) }
          : {}),
      })),
      countFailure: assign({ fireFailures: ({ context }) => context.fireFailures + 1 }),
      resetFailures: assign({ fireFailures: 0 }),
      markFired: assign({ lastFiredAt: ({ context }) => context.due?.at ?? null }),
      reportError: (_, params: { where: string; error: unknown }) => report(params.where, params.error),
    },
  }).createMachine({
    id: 'clock',
    context: { due: null, lastFiredAt: null, leader: false, dispatched: 0, fireFailures: 0 },
    initial: 'catchingUp',
    states: {
      catchingUp: {
        invoke: {
          src: 'catchUp',
          onDone: { target: 'waiting', actions: { type: 'recordFire', params: ({ event }) => event.output } },
          onError: {
            target: 'waiting',
            actions: { type: 'reportError', params: ({ event }) => ({ where: 'catch-up', error: event.error }) },
          },
        },
      },
      waiting: {
        entry: 'planNext',
        always: [
          { guard: ({ context }) => context.due === null, target: 'stopped' },
          // Missed while busy: catch up by the start-up rules (today's run only before a cutoff, the latest poll).
          { guard: ({ context }) => context.due !== null && context.due.at < now(), target: 'catchingUp' },
        ],
        after: { untilDue: { target: 'firing', actions: 'markFired' } },
        on: { 'CALENDAR.CHANGED': { target: 'waiting', reenter: true } },
      },
      firing: {
        invoke: {
          src: 'fire',
          input: ({ context }) => ({ ticks: context.due?.ticks ?? [] }),
          onDone: { target: 'waiting', actions: { type: 'recordFire', params: ({ event }) => event.output } },
          onError: {
            target: 'retrying',
            actions: [
              'countFailure',
              { type: 'reportError', params: ({ event }) => ({ where: 'dispatch', error: event.error }) },
            ],
          },
        },
      },
      retrying: {
        always: {
          guard: ({ context }) => context.fireFailures >= FIRE_ATTEMPTS,
          target: 'waiting',
          actions: 'resetFailures',
        },
        after: { [FIRE_RETRY_MS]: 'firing' },
      },
      /** Nothing will ever be due (an empty schedule). */
      stopped: { type: 'final' },
    },
  });
}

export type ClockMachine = ReturnType<typeof createClockMachine>;
