import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock, waitFor } from 'xstate';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { createBusinessCalendar } from '../domain/calendar/business-calendar.ts';
import { buildSchedule, type Tick } from '../domain/schedule.ts';
import { taipeiInstant, taipeiTime } from '../domain/taipei-time.ts';
import { createLeadership } from '../infra/db/repositories/leadership.ts';
import { listDispatchedTicks } from '../infra/db/repositories/tick-dispatch.ts';
import { createClockMachine } from './clock.machine.ts';
import { createDbTickLog } from './db-store.ts';
import type { TickLog } from './ports.ts';

const calendar = createBusinessCalendar([
  {
    year: 2026,
    provisional: false,
    holidays: [{ date: '2026-12-25', name: '行憲紀念日' }],
    workdays: [{ date: '2026-11-28', name: '補行上班 (test calendar)' }],
  },
]);
const schedule = buildSchedule(undefined, { cutoffs: [{ bankCode: 'mega', time: '15:30' }] });

function memoryTickLog(): TickLog {
  const seen = new Set<string>();
  return {
    isLeader: async () => true,
    claim: async (tick) => {
      const key = `${tick.key}@${tick.scheduledAt.toISOString()}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

type ClockActor = Actor<ReturnType<typeof createClockMachine>>;

function startClock(clock: SimulatedClock, ticks: TickLog, log: Array<Tick & { at: number; by: string }>, by = 'a') {
  const machine = createClockMachine({
    schedule,
    calendar: () => calendar,
    ticks,
    dispatch: (tick) => void log.push({ ...tick, at: clock.now(), by }),
    time: clock,
    onError: (where, error) => {
      throw new Error(`${where}: ${String(error)}`);
    },
  });
  return createActor(machine, { clock }).start();
}

const settled = (actor: ClockActor, clock: SimulatedClock) =>
  waitFor(actor, (s) => s.matches('waiting') && (s.context.due?.at ?? Number.POSITIVE_INFINITY) > clock.now());

/** Steps the simulated clock from one due instant to the next until `endMs`, letting every actor settle. */
async function runUntil(
  actors: ClockActor[],
  clock: SimulatedClock,
  endMs: number,
  onStep?: (at: number) => Promise<void>,
) {
  for (;;) {
    await Promise.all(actors.map((a) => settled(a, clock)));
    const next = Math.min(...actors.map((a) => a.getSnapshot().context.due?.at ?? Number.POSITIVE_INFINITY));
    if (next >= endMs) return;
    clock.set(next);
    await onStep?.(next);
  }
}

function dayLog(day: string, ticks?: TickLog) {
  const clock = new SimulatedClock();
  clock.set(taipeiInstant(day, '00:00').getTime() - 1);
  const log: Array<Tick & { at: number; by: string }> = [];
  const actor = startClock(clock, ticks ?? memoryTickLog(), log);
  return { clock, log, actor, end: taipeiInstant(day, '00:00').getTime() + 86_400_000 };
}

const countBy = (log: Tick[]) => {
  const counts: Record<string, number> = {};
  for (const t of log) counts[t.event] = (counts[t.event] ?? 0) + 1;
  return counts;
};

describe('clock actor over a simulated day (SimulatedClock)', () => {
  it('a business day (Tuesday 2026-11-24) dispatches exactly the schedule', async () => {
    const { clock, log, actor, end } = dayLog('2026-11-24');
    await runUntil([actor], clock, end);
    actor.stop();
    const day = log.filter((t) => t.businessDate === '2026-11-24' && !t.catchUp);
    expect(countBy(day)).toEqual({
      'PAYMENTS.GENERATE': 1,
      'RECONCILIATION.POLL': 21,
      'RETRY.PROCESS': 24,
      'HEALTH.CHECK': 288,
      'REPORT.DAILY': 1,
      'BANK.CUTOFF': 1,
    });
    // dispatched at the scheduled instant, not later
    expect(day.every((t) => t.at === t.scheduledAt.getTime())).toBe(true);
    const times = (event: string) => day.filter((t) => t.event === event).map((t) => taipeiTime(t.scheduledAt));
    expect(times('PAYMENTS.GENERATE')).toEqual(['06:00:00']);
    expect(times('RECONCILIATION.POLL')).toEqual(
      Array.from(
        { length: 21 },
        (_, i) => `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}:00`,
      ),
    );
    expect(times('REPORT.DAILY')).toEqual(['19:00:00']);
  });

  it('a Saturday make-up workday behaves like a weekday', async () => {
    const { clock, log, actor, end } = dayLog('2026-11-28');
    await runUntil([actor], clock, end);
    actor.stop();
    const counts = countBy(log.filter((t) => t.businessDate === '2026-11-28' && !t.catchUp));
    expect(counts).toMatchObject({ 'PAYMENTS.GENERATE': 1, 'RECONCILIATION.POLL': 21, 'REPORT.DAILY': 1 });
  });

  it.each([
    ['a Sunday', '2026-11-29'],
    ['a holiday', '2026-12-25'],
  ])('%s dispatches only health and retry ticks', async (_, day) => {
    const { clock, log, actor, end } = dayLog(day);
    await runUntil([actor], clock, end);
    actor.stop();
    expect(countBy(log.filter((t) => t.businessDate === day && !t.catchUp))).toEqual({
      'RETRY.PROCESS': 24,
      'HEALTH.CHECK': 288,
    });
  });
});

describe('clock actor catch-up on start', () => {
  async function startAt(time: string) {
    const clock = new SimulatedClock();
    clock.set(taipeiInstant('2026-11-24', time).getTime());
    const log: Array<Tick & { at: number; by: string }> = [];
    const actor = startClock(clock, memoryTickLog(), log);
    await settled(actor, clock);
    actor.stop();
    return { log, now: clock.now() };
  }

  it('started at 07:10 after a missed 06:00: the payment run happens at 07:10', async () => {
    const { log, now } = await startAt('07:10');
    const payments = log.filter((t) => t.event === 'PAYMENTS.GENERATE');
    expect(payments).toEqual([expect.objectContaining({ catchUp: true, at: now, bankCodes: ['mega'] })]);
    expect(taipeiTime(payments[0]!.scheduledAt)).toBe('06:00:00');
  });

  it('started at 16:00, past the cutoff: no payment run; only the latest missed poll', async () => {
    const { log } = await startAt('16:00');
    expect(log.some((t) => t.event === 'PAYMENTS.GENERATE')).toBe(false);
    expect(log.filter((t) => t.event === 'RECONCILIATION.POLL').map((t) => taipeiTime(t.scheduledAt))).toEqual([
      '16:00:00',
    ]);
    expect(log.filter((t) => t.event === 'BANK.CUTOFF')).toHaveLength(1);
  });
});

describe('clock actor when time passes while it is busy', () => {
  it('started seconds before 06:00 with a slow catch-up: the 06:00 run still happens, once', async () => {
    const clock = new SimulatedClock();
    const six = taipeiInstant('2026-11-24', '06:00').getTime();
    clock.set(six - 10_000);
    const log: Array<Tick & { at: number; by: string }> = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const memory = memoryTickLog();
    let checks = 0;
    // the first leader check (the catch-up's) answers only after 06:00 has passed, as a slow database would
    const ticks: TickLog = { ...memory, isLeader: async () => (checks++ === 0 ? slow.then(() => true) : true) };
    const actor = startClock(clock, ticks, log);
    clock.set(six + 20_000);
    release();
    await runUntil([actor], clock, taipeiInstant('2026-11-24', '06:30').getTime());
    actor.stop();
    expect(log.filter((t) => t.event === 'PAYMENTS.GENERATE')).toEqual([
      expect.objectContaining({ bankCodes: ['mega'], catchUp: true }),
    ]);
    // and the health checks of 06:00 onwards, each once
    const health = log.filter((t) => t.event === 'HEALTH.CHECK').map((t) => taipeiTime(t.scheduledAt));
    expect(health).toEqual(['05:55:00', '06:00:00', '06:05:00', '06:10:00', '06:15:00', '06:20:00', '06:25:00']);
  });
});

describe('two clock actors on one database', () => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => handle?.close());

  it('dispatch every tick of a day exactly once, across a leader change at noon', async () => {
    const clock = new SimulatedClock();
    const start = taipeiInstant('2026-11-24', '00:00').getTime();
    clock.set(start - 1);
    const log: Array<Tick & { at: number; by: string }> = [];
    const key = `test:clock:${Math.random()}`;
    const leaderA = createLeadership(handle.db, handle.kind, key);
    const leaderB = createLeadership(handle.db, handle.kind, key);
    const a = startClock(clock, createDbTickLog(handle.db, { instanceId: 'a', leadership: leaderA }), log, 'a');
    const b = startClock(clock, createDbTickLog(handle.db, { instanceId: 'b', leadership: leaderB }), log, 'b');
    const noon = taipeiInstant('2026-11-24', '12:00').getTime();
    let actors = [a, b];
    await runUntil(actors, clock, noon);
    // instance a goes away (its session and lock with it); b carries on
    a.stop();
    await leaderA.release();
    actors = [b];
    await runUntil(actors, clock, start + 86_400_000);
    b.stop();
    await leaderB.release();

    const day = log.filter((t) => t.scheduledAt.getTime() >= start && t.scheduledAt.getTime() < start + 86_400_000);
    const keys = day.map((t) => `${t.key}@${t.scheduledAt.toISOString()}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(countBy(day)).toEqual({
      'PAYMENTS.GENERATE': 1,
      'RECONCILIATION.POLL': 21,
      'RETRY.PROCESS': 24,
      'HEALTH.CHECK': 288,
      'REPORT.DAILY': 1,
      'BANK.CUTOFF': 1,
    });
    const rows = await listDispatchedTicks(handle.db, { from: new Date(start), to: new Date(start + 86_400_000) });
    expect(rows).toHaveLength(day.length);
    if (handle.kind === 'postgres') {
      // the advisory lock really decided: a led until noon, b after
      expect(day.filter((t) => t.at < noon).every((t) => t.by === 'a')).toBe(true);
      expect(day.filter((t) => t.at >= noon).every((t) => t.by === 'b')).toBe(true);
    } else {
      expect(new Set(day.filter((t) => t.at < noon).map((t) => t.by)).size).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('a clock whose dispatch is slow', () => {
  it('fires an instant that fell due while the previous one was still being claimed, instead of skipping it', async () => {
    const clock = new SimulatedClock();
    clock.set(taipeiInstant('2026-11-26', '09:02').getTime());
    const log: Array<Tick & { at: number; by: string }> = [];
    const inner = memoryTickLog();
    let release: (() => void) | null = null;
    // the 09:05 health check's claim hangs (a slow database) until the clock has moved past 09:10
    const ticks: TickLog = {
      isLeader: inner.isLeader,
      claim: async (tick) => {
        if (tick.key === 'HEALTH.CHECK' && taipeiTime(tick.scheduledAt) === '09:05:00') {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return inner.claim(tick);
      },
    };
    const actor = startClock(clock, ticks, log);
    await waitFor(actor, (s) => s.matches('waiting'));
    clock.set(taipeiInstant('2026-11-26', '09:05').getTime());
    await waitFor(actor, (s) => s.matches('firing'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    clock.set(taipeiInstant('2026-11-26', '09:11').getTime());
    (release as (() => void) | null)?.();
    // the late instant is due at once: a zero delay, which a SimulatedClock runs on its next move
    await waitFor(actor, (s) => s.matches('waiting'));
    clock.increment(0);
    await settled(actor, clock);
    actor.stop();
    const health = log.filter((t) => t.key === 'HEALTH.CHECK').map((t) => taipeiTime(t.scheduledAt));
    expect(health.filter((t) => t >= '09:05')).toEqual(['09:05:00', '09:10:00']);
  });
});

describe('a clock with per-bank leases', () => {
  it('dispatches the per-bank ticks of the banks it holds even when it is not the leader, and no global tick', async () => {
    const clock = new SimulatedClock();
    clock.set(taipeiInstant('2026-11-26', '05:58').getTime());
    const log: Array<Tick & { at: number; by: string }> = [];
    const inner = memoryTickLog();
    const machine = createClockMachine({
      schedule,
      calendar: () => calendar,
      ticks: { isLeader: async () => false, claim: inner.claim },
      dispatch: (tick) => void log.push({ ...tick, at: clock.now(), by: 'b' }),
      time: clock,
      expand: (tick) =>
        tick.event === 'HEALTH.CHECK'
          ? { global: false, perBank: [{ ...tick, key: `${tick.key}:mega`, bankCode: 'mega' }] }
          : { global: true, perBank: [] },
    });
    const actor = createActor(machine, { clock }).start();
    await runUntil([actor], clock, taipeiInstant('2026-11-26', '06:01').getTime());
    actor.stop();
    const at6 = log.filter((t) => taipeiTime(t.scheduledAt) === '06:00:00').map((t) => [t.key, t.bankCode]);
    // 06:00 is also PAYMENTS.GENERATE: the leader's, not ours
    expect(at6).toEqual([['HEALTH.CHECK:mega', 'mega']]);
  });
});
