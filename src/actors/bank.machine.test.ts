import { describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock, waitFor } from 'xstate';
import { OperationalError } from '../domain/failure.ts';
import { taipeiInstant } from '../domain/taipei-time.ts';
import { type BankMachineDeps, createBankMachine } from './bank.machine.ts';
import { MemoryBankStore } from './memory-store.ts';
import type { BankWork, PersistedBankState } from './ports.ts';
import { Semaphore } from './semaphore.ts';
import { WriteQueue } from './write-queue.ts';

const refused = () => new OperationalError('ECONNREFUSED', 'backoff', 'connection refused');
const timeout = () => new OperationalError('ETIMEDOUT', 'retry_now', 'no reply in time');
const hostKey = () => new OperationalError('HOST_KEY_MISMATCH', 'critical', 'host key mismatch');

/** Work whose outcome each call takes from a script; records call times on the simulated clock. */
function scriptedWork(clock: SimulatedClock, script: Array<'ok' | (() => Error)>) {
  const calls: Array<{ kind: string; at: number }> = [];
  const next = (kind: string) => {
    calls.push({ kind, at: clock.now() });
    const step = script.shift() ?? 'ok';
    return step === 'ok' ? Promise.resolve() : Promise.reject(step());
  };
  const work: BankWork = {
    upload: () => next('upload'),
    poll: () => next('poll'),
    healthCheck: () => next('health').then(() => ({ latencyMs: 20 })),
  };
  return { work, calls };
}

function setup(
  options: {
    script?: Array<'ok' | (() => Error)>;
    restored?: PersistedBankState | null;
    store?: MemoryBankStore;
    clock?: SimulatedClock;
    failureThreshold?: number;
  } = {},
) {
  const clock = options.clock ?? new SimulatedClock();
  if (clock.now() === 0) clock.set(taipeiInstant('2026-11-24', '10:00').getTime());
  const store = options.store ?? new MemoryBankStore();
  const { work, calls } = scriptedWork(clock, options.script ?? []);
  const cutoffs: Array<[string, string]> = [];
  const writes = new WriteQueue((e) => {
    throw e;
  });
  const deps: BankMachineDeps = {
    work,
    store,
    cutoff: { cutoffReached: (bank, day) => void cutoffs.push([bank, day]) },
    semaphore: new Semaphore(3),
    time: clock,
    writes,
    breaker: { failureThreshold: options.failureThreshold ?? 3, openMs: 300_000 },
    retry: { maxAttempts: 5, maxBackoffSeconds: 300 },
  };
  const actor = createActor(createBankMachine(deps), {
    clock,
    input: { bankCode: 'mega', cutoffTime: '15:30', restored: options.restored ?? null },
  });
  actor.start();
  return { actor, clock, store, calls, cutoffs, writes };
}

type BankActor = Actor<ReturnType<typeof createBankMachine>>;
const idle = (actor: BankActor) => waitFor(actor, (s) => s.matches({ work: 'idle' }) && s.context.pending.length === 0);
const breakerOf = (actor: BankActor) => actor.getSnapshot().value.breaker;

async function health(actor: BankActor) {
  actor.send({ type: 'WORK', item: { kind: 'health' } });
  await idle(actor);
}

const upload = (batchId: number, valueDate = '2026-11-24') =>
  ({ type: 'WORK', item: { kind: 'upload', job: { batchId, valueDate } } }) as const;

describe('bank actor: circuit breaker', () => {
  it('3 consecutive failures open it; while open nothing is attempted and uploads go to the durable queue', async () => {
    const { actor, calls, store } = setup({ script: [refused, refused, refused] });
    await health(actor);
    await health(actor);
    expect(breakerOf(actor)).toBe('closed');
    expect(actor.getSnapshot().value.health).toBe('degraded');
    await health(actor);
    expect(breakerOf(actor)).toBe('open');
    expect(actor.getSnapshot().value.health).toBe('down');
    expect(calls).toHaveLength(3);

    await health(actor);
    actor.send(upload(42));
    await waitFor(actor, () => store.open('mega').length === 1);
    await idle(actor);
    expect(calls).toHaveLength(3);
    expect(store.open('mega')[0]).toMatchObject({ kind: 'upload', ref: '42', payload: { batchId: 42 } });
    actor.stop();
  });

  it('turns half-open after exactly 5 minutes; a successful probe closes it', async () => {
    const { actor, clock, calls } = setup({ script: [refused, refused, refused, 'ok'] });
    for (let i = 0; i < 3; i++) await health(actor);
    clock.increment(299_999);
    expect(breakerOf(actor)).toBe('open');
    clock.increment(1);
    expect(breakerOf(actor)).toBe('half_open');
    await health(actor);
    expect(breakerOf(actor)).toBe('closed');
    expect(actor.getSnapshot().value.health).toBe('healthy');
    expect(calls).toHaveLength(4);
    actor.stop();
  });

  it('a failed probe re-opens it and restarts the 5-minute timer', async () => {
    const { actor, clock } = setup({ script: [refused, refused, refused, refused] });
    for (let i = 0; i < 3; i++) await health(actor);
    clock.increment(300_000);
    expect(breakerOf(actor)).toBe('half_open');
    clock.increment(60_000); // the probe comes a minute later
    await health(actor);
    expect(breakerOf(actor)).toBe('open');
    expect(actor.getSnapshot().context.breaker.openUntil).toBe(clock.now() + 300_000);
    clock.increment(299_999);
    expect(breakerOf(actor)).toBe('open');
    clock.increment(1);
    expect(breakerOf(actor)).toBe('half_open');
    actor.stop();
  });

  it('survives an actor restart: still open, half-open when the remaining time is up', async () => {
    const first = setup({ script: [refused, refused, refused] });
    for (let i = 0; i < 3; i++) await health(first.actor);
    first.clock.increment(120_000);
    first.actor.stop();
    await first.writes.idle();
    const persisted = await first.store.loadState('mega');
    expect(persisted).toMatchObject({ breakerState: 'open', breakerReason: expect.stringMatching(/refused/) });

    const second = setup({ restored: persisted, store: first.store, clock: first.clock, script: ['ok'] });
    expect(breakerOf(second.actor)).toBe('open');
    await health(second.actor);
    expect(second.calls).toHaveLength(0);
    second.clock.increment(179_999);
    expect(breakerOf(second.actor)).toBe('open');
    second.clock.increment(1);
    expect(breakerOf(second.actor)).toBe('half_open');
    second.actor.stop();
  });
});

describe('bank actor: retry table', () => {
  it('backs off 1, 2, 4, 8, 16 s between attempts, then hands the upload to the durable queue', async () => {
    const failures = Array.from({ length: 6 }, () => refused);
    const { actor, clock, calls, store } = setup({ script: failures, failureThreshold: 100 });
    const start = clock.now();
    actor.send(upload(7));
    for (const wait of [1000, 2000, 4000, 8000, 16000]) {
      await waitFor(actor, (s) => s.matches({ work: 'backingOff' }));
      expect(actor.getSnapshot().context.nextRetryAt).toBe(clock.now() + wait);
      clock.increment(wait - 1);
      expect(actor.getSnapshot().matches({ work: 'backingOff' })).toBe(true);
      clock.increment(1);
    }
    await idle(actor);
    expect(calls.map((c) => (c.at - start) / 1000)).toEqual([0, 1, 3, 7, 15, 31]);
    expect(store.open('mega')).toEqual([
      expect.objectContaining({ kind: 'upload', ref: '7', status: 'pending', attempts: 6 }),
    ]);
    actor.stop();
  });

  it('retries a timeout once at once', async () => {
    const { actor, calls } = setup({ script: [timeout, 'ok'] });
    actor.send(upload(8));
    await idle(actor);
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 0]);
    expect(actor.getSnapshot().context.lastSuccessAt).not.toBeNull();
  });

  it('a critical failure goes to manual intervention until an operator resolves it, then the work is retried', async () => {
    const { actor, calls, store, writes } = setup({ script: [hostKey, 'ok'] });
    actor.send(upload(9));
    await waitFor(actor, (s) => s.matches({ work: { manual_intervention: 'waiting' } }));
    await writes.idle();
    expect(calls).toHaveLength(1);
    expect(store.states.get('mega')).toMatchObject({
      manualIntervention: true,
      manualReason: expect.stringMatching(/host key/),
    });
    expect(store.open('mega')[0]).toMatchObject({ ref: '9', status: 'manual_intervention' });
    actor.send({ type: 'RETRY.PROCESS' });
    actor.send({ type: 'WORK', item: { kind: 'health' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1); // nothing runs while an operator is needed

    actor.send({ type: 'OPERATOR.RESOLVE', retry: true, by: 'operator' });
    await waitFor(actor, () => calls.length === 3);
    await idle(actor);
    await writes.idle();
    expect(calls.map((c) => c.kind)).toEqual(['upload', 'health', 'upload']);
    expect(store.open('mega')).toEqual([]);
    expect(store.states.get('mega')).toMatchObject({ manualIntervention: false });
    actor.stop();
  });

  it('restores manual intervention after a restart', async () => {
    const restored: PersistedBankState = {
      bankCode: 'mega',
      breakerState: 'closed',
      breakerReason: null,
      consecutiveFailures: 0,
      openUntil: null,
      health: 'healthy',
      manualIntervention: true,
      manualReason: 'authentication refused',
      lastSuccessAt: null,
      lastFailureAt: null,
      lastError: null,
    };
    const { actor, calls } = setup({ restored });
    expect(actor.getSnapshot().matches({ work: 'manual_intervention' })).toBe(true);
    actor.send(upload(1));
    expect(calls).toHaveLength(0);
    actor.stop();
  });
});

describe('bank actor: cutoff', () => {
  it('never starts an upload past the value date cutoff; reports it instead', async () => {
    const { actor, clock, calls, cutoffs } = setup();
    clock.set(taipeiInstant('2026-11-24', '15:30').getTime());
    actor.send(upload(5));
    await idle(actor);
    expect(calls).toEqual([]);
    expect(cutoffs).toEqual([['mega', '2026-11-24']]);
    actor.send(upload(6, '2026-11-25'));
    await idle(actor);
    expect(calls.map((c) => c.kind)).toEqual(['upload']);
    actor.stop();
  });
});
