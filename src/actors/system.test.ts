import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { createBusinessCalendar } from '../domain/calendar/business-calendar.ts';
import { OperationalError } from '../domain/failure.ts';
import { buildSchedule, type Tick } from '../domain/schedule.ts';
import { taipeiInstant } from '../domain/taipei-time.ts';
import { listRetries } from '../infra/db/repositories/retry-queue.ts';
import { createDbBankStore } from './db-store.ts';
import { MemoryBankStore } from './memory-store.ts';
import type { BankObserver, BankStore, BankWork, TickLog } from './ports.ts';
import { type ActorSystemOptions, createActorSystem } from './system.ts';

const BANKS = ['mega', 'ctbc', 'esun', 'first', 'taishin'].map((bankCode) => ({ bankCode, cutoffTime: '15:30' }));
const calendar = createBusinessCalendar([{ year: 2026, provisional: false, holidays: [], workdays: [] }]);
const refused = () => new OperationalError('ECONNREFUSED', 'backoff', 'connection refused');

const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Lets the event loop run (database I/O included, no timers) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

function tick(event: Tick['event'], extra: Partial<Tick> = {}): Tick {
  const scheduledAt = taipeiInstant('2026-11-24', '10:00');
  return { key: event, event, scheduledAt, businessDate: '2026-11-24', catchUp: false, ...extra };
}

function makeSystem(overrides: Partial<ActorSystemOptions> & { work: ActorSystemOptions['work'] }) {
  const clock = new SimulatedClock();
  clock.set(taipeiInstant('2026-11-24', '10:00').getTime());
  const cutoffs: string[] = [];
  const ticks: TickLog = { isLeader: async () => false, claim: async () => false };
  const store: BankStore = overrides.store ?? new MemoryBankStore();
  const system = createActorSystem({
    banks: BANKS,
    store,
    ticks,
    cutoff: { cutoffReached: (bank, day) => void cutoffs.push(`${bank}@${day}`) },
    schedule: buildSchedule(undefined, { cutoffs: BANKS.map((b) => ({ bankCode: b.bankCode, time: b.cutoffTime })) }),
    calendar: () => calendar,
    maxConcurrentBanks: 3,
    time: clock,
    clock,
    ...overrides,
  });
  return { system, clock, cutoffs, store };
}

describe('actor system', () => {
  it('lets at most 3 banks work at once; the others wait their turn', async () => {
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const work = (): BankWork => ({
      upload: async () => {},
      healthCheck: async () => ({ latencyMs: 1 }),
      poll: () =>
        new Promise<void>((resolve) => {
          running++;
          peak = Math.max(peak, running);
          gates.push(() => {
            running--;
            resolve();
          });
        }),
    });
    const { system } = makeSystem({ work });
    await system.start();
    await system.route(tick('RECONCILIATION.POLL'));
    await settle();
    expect(running).toBe(3);
    expect((await system.inspect()).concurrency).toEqual({ max: 3, inUse: 3, waiting: 2 });
    while (gates.length > 0) {
      gates.shift()?.();
      await settle();
    }
    expect(peak).toBe(3);
    const view = await system.inspect();
    expect(view.concurrency.inUse).toBe(0);
    expect(view.banks.every((b) => b.lastSuccessAt !== null && b.activity === 'idle')).toBe(true);
    await system.stop();
  });

  it('restarts a crashed bank actor from its persisted state while the other banks keep working', async () => {
    const checks: string[] = [];
    let crashes = 0;
    const observer: BankObserver = {
      onBreakerChange: (bank, state) => {
        if (bank === 'mega' && state === 'open' && crashes++ === 0) throw new Error('metrics exporter blew up');
      },
      onError: () => {},
    };
    const work = (bankCode: string): BankWork => ({
      upload: async () => {},
      poll: async () => {},
      healthCheck: async () => {
        checks.push(bankCode);
        if (bankCode === 'mega') throw refused();
        return { latencyMs: 1 };
      },
    });
    const { system, clock } = makeSystem({ work, observer });
    await system.start();
    for (let i = 0; i < 3; i++) {
      await system.route(tick('HEALTH.CHECK'));
      await settle();
    }
    let view = await system.inspect();
    const mega = view.banks.find((b) => b.bankCode === 'mega')!;
    expect(mega).toMatchObject({ running: false, activity: 'restarting', restarts: 1 });

    // meanwhile the others are served
    await system.route(tick('HEALTH.CHECK'));
    await settle();
    expect(checks.filter((c) => c === 'esun')).toHaveLength(4);

    clock.increment(1000);
    await settle();
    view = await system.inspect();
    expect(view.banks.find((b) => b.bankCode === 'mega')).toMatchObject({
      running: true,
      breaker: 'open',
      health: 'down',
      openUntil: new Date(taipeiInstant('2026-11-24', '10:05').getTime()),
    });
    const megaChecks = checks.filter((c) => c === 'mega').length;
    await system.route(tick('HEALTH.CHECK'));
    await settle();
    expect(checks.filter((c) => c === 'mega')).toHaveLength(megaChecks); // open: no attempt
    await system.stop();
  });

  it('routes cutoffs to the cutoff port and reports the clock schedule in inspect()', async () => {
    const work = (): BankWork => ({
      upload: async () => {},
      poll: async () => {},
      healthCheck: async () => ({ latencyMs: 1 }),
    });
    const { system, cutoffs } = makeSystem({ work });
    await system.start();
    await system.route(tick('BANK.CUTOFF', { key: 'BANK.CUTOFF:esun', bankCode: 'esun' }));
    expect(cutoffs).toEqual(['esun@2026-11-24']);
    const view = await system.inspect();
    expect(view.clock.running).toBe(true);
    const next = Object.fromEntries(view.clock.next.map((n) => [n.key, n.at.toISOString()]));
    expect(next['HEALTH.CHECK']).toBe(taipeiInstant('2026-11-24', '10:05').toISOString());
    expect(next['RECONCILIATION.POLL']).toBe(taipeiInstant('2026-11-24', '10:30').toISOString());
    expect(next['PAYMENTS.GENERATE']).toBe(taipeiInstant('2026-11-25', '06:00').toISOString());
    await system.stop();
  });
});

describe('actor system on the database', () => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => handle?.close());

  it('an open breaker sends uploads to retry_queue; a restart keeps it open; recovered work runs', async () => {
    let down = true;
    const uploads: number[] = [];
    const work = (): BankWork => ({
      upload: async (job) => {
        if (down) throw refused();
        uploads.push(job.batchId);
      },
      poll: async () => {},
      healthCheck: async () => {
        if (down) throw refused();
        return { latencyMs: 1 };
      },
    });
    const store = createDbBankStore(handle.db, { owner: 'test' });
    const first = makeSystem({ work, store, banks: [BANKS[0]!] });
    await first.system.start();
    const megaView = async () => (await first.system.inspect()).banks[0]!;
    for (let i = 1; i <= 3; i++) {
      await first.system.route(tick('HEALTH.CHECK'));
      await until(async () => (await megaView()).consecutiveFailures === i, `failure ${i}`);
    }
    expect(await megaView()).toMatchObject({ breaker: 'open' });
    first.system.upload('mega', { batchId: 77, valueDate: '2026-11-24' });
    await until(async () => (await megaView()).durableQueueSize === 1, 'upload deferred');
    await first.system.flush();
    expect(await listRetries(handle.db, { bankCode: 'mega', open: true })).toEqual([
      expect.objectContaining({ kind: 'upload', ref: '77', status: 'pending' }),
    ]);
    expect(await megaView()).toMatchObject({ breaker: 'open', queueSize: 1 });
    await first.system.stop();

    // a new process, 5 minutes later: the breaker comes back open, turns half-open, the probe succeeds
    const second = makeSystem({ work, store, banks: [BANKS[0]!], clock: first.clock, time: first.clock });
    await second.system.start();
    expect((await second.system.inspect()).banks[0]?.breaker).toBe('open');
    down = false;
    first.clock.increment(300_000);
    expect((await second.system.inspect()).banks[0]?.breaker).toBe('half_open');
    await second.system.route(tick('HEALTH.CHECK'));
    await until(() => uploads.length === 1, 'queued upload retried');
    await until(async () => (await second.system.inspect()).banks[0]?.queueSize === 0, 'queue drained');
    await second.system.flush();
    expect(uploads).toEqual([77]);
    const view = (await second.system.inspect()).banks[0];
    expect(view).toMatchObject({ breaker: 'closed', health: 'healthy', queueSize: 0 });
    await second.system.stop();
  });
});
