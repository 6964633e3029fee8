/**
 * The actor system: one bank actor per active bank and the clock. It routes the clock's ticks (health checks,
 * reconciliation polls, retry processing to every bank; cutoffs to the cutoff port; everything to `onTick`),
 * shares one semaphore so at most `maxConcurrentBanks` banks work at once, and supervises: an actor that errors
 * is restarted from its persisted state (bank_state + its in-memory work carried over) while the others keep
 * working. `inspect()` is what the monitor API and the metrics read.
 *
 * @example
 *   const system = createActorSystem({ banks, work: (code) => sftpWork(code), store, ticks, cutoff, ... });
 *   await system.start();
 *   system.upload('mega', { batchId: 42, valueDate: '2026-11-24' });
 *   const view = await system.inspect();
 */
import { type Actor, type AnyActorRef, createActor } from 'xstate';
import type { BreakerPolicy, BreakerStateName } from '../domain/breaker.ts';
import type { BusinessCalendar } from '../domain/calendar/business-calendar.ts';
import type { RetryPolicy } from '../domain/retry.ts';
import { nextOccurrence, type Schedule, type Tick, type TickEvent } from '../domain/schedule.ts';
import { type BankMachine, createBankMachine, type WorkItem } from './bank.machine.ts';
import { type ClockMachine, createClockMachine } from './clock.machine.ts';
import type {
  BankLeases,
  BankObserver,
  BankStore,
  BankWork,
  CutoffPort,
  Health,
  TickHandler,
  TickLog,
  TimerClock,
  TimeSource,
  UploadJob,
} from './ports.ts';
import { Semaphore } from './semaphore.ts';
import { WriteQueue } from './write-queue.ts';

export interface SystemBank {
  bankCode: string;
  /** HH:MM Asia/Taipei (config `cutoff_time`). */
  cutoffTime: string;
}

export interface ActorSystemOptions {
  /** The active banks. */
  banks: SystemBank[];
  /** The work implementation of one bank (SFTP + PGP + database), built by main.ts. */
  work: (bankCode: string) => BankWork;
  store: BankStore;
  ticks: TickLog;
  cutoff: CutoffPort;
  /** Built with `buildSchedule(config.schedule, { cutoffs })`. */
  schedule: Schedule;
  calendar: () => BusinessCalendar;
  /** Called for every dispatched tick (PAYMENTS.GENERATE and REPORT.DAILY are only handled here). */
  onTick?: TickHandler;
  breaker?: BreakerPolicy;
  retry?: RetryPolicy;
  maxConcurrentBanks?: number;
  observer?: BankObserver;
  /** Current time; defaults to Date.now. Tests pass XState's SimulatedClock here and as `clock`. */
  time?: TimeSource;
  /** XState's timer source (SimulatedClock in tests). */
  clock?: TimerClock;
  /**
   * Several instances on one database: per-bank ticks (health, poll, retry, cutoff) are dispatched by the
   * holder of the bank's lease, one dispatch-log row per bank (`RECONCILIATION.POLL:mega`). Absent: the leader
   * dispatches everything to all banks.
   */
  leases?: BankLeases;
}

/** Events that are work for each bank; with leases each bank's holder dispatches its own. */
const PER_BANK_EVENTS = new Set<TickEvent>(['HEALTH.CHECK', 'RECONCILIATION.POLL', 'RETRY.PROCESS']);

export interface BankInspection {
  bankCode: string;
  breaker: BreakerStateName;
  breakerReason: string | null;
  consecutiveFailures: number;
  openUntil: Date | null;
  health: Health;
  /** Work waiting: open durable-queue entries plus items waiting in the actor. */
  queueSize: number;
  durableQueueSize: number;
  /** The earliest of the current item's backoff and the durable queue's next due entry. */
  nextRetryAt: Date | null;
  manualIntervention: boolean;
  manualReason: string | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  /** What the work region is doing: idle, busy, backingOff, deferring, manual_intervention… */
  activity: string;
  restarts: number;
  running: boolean;
}

export interface ClockInspection {
  running: boolean;
  leader: boolean;
  dispatched: number;
  /** Claiming and dispatching ticks right now (the simulation waits for it before moving time on). */
  busy: boolean;
  /** The next occurrence of every scheduled event (business days and windows applied). */
  next: Array<{ key: string; event: TickEvent; at: Date }>;
}

export interface SystemInspection {
  banks: BankInspection[];
  clock: ClockInspection;
  concurrency: { max: number; inUse: number; waiting: number };
}

export interface ActorSystem {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Queue an upload of a generated batch on its bank's actor. */
  upload(bankCode: string, job: UploadJob): void;
  submit(bankCode: string, item: WorkItem): void;
  /** Route a tick as if the clock had dispatched it (operator "run now"; not recorded in the dispatch log). */
  route(tick: Tick): Promise<void>;
  resolveManualIntervention(bankCode: string, decision: { retry: boolean; by: string }): void;
  /** The calendar changed (operator override): the clock re-plans. */
  calendarChanged(): void;
  inspect(): Promise<SystemInspection>;
  /** Resolves when every state write issued so far has reached the store. */
  flush(): Promise<void>;
}

type BankActor = Actor<BankMachine>;
type ClockActor = Actor<ClockMachine>;

interface BankSlot {
  bank: SystemBank;
  actor: BankActor | null;
  restarts: number;
  lastCrashAt: number | null;
  restartTimer: unknown;
}

const MAX_RESTART_DELAY_MS = 60_000;
const CALM_AFTER_MS = 10 * 60_000;

export function createActorSystem(options: ActorSystemOptions): ActorSystem {
  const time: TimeSource = options.time ?? { now: () => Date.now() };
  const clock: TimerClock = options.clock ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  };
  const report = (where: string, error: unknown) => options.observer?.onError?.(where, error);
  const writes = new WriteQueue((error) => report('store', error));
  const maxConcurrent = options.maxConcurrentBanks ?? 3;
  const semaphore = new Semaphore(maxConcurrent);
  const slots = new Map<string, BankSlot>(
    options.banks.map((bank) => [
      bank.bankCode,
      {
        bank,
        actor: null,
        restarts: 0,
        lastCrashAt: null,
        restartTimer: null,
      },
    ]),
  );
  let clockActor: ClockActor | null = null;
  let stopped = true;

  const bankMachine = (bankCode: string) =>
    createBankMachine({
      work: options.work(bankCode),
      store: options.store,
      cutoff: options.cutoff,
      semaphore,
      time,
      writes,
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
    });

  async function spawnBank(slot: BankSlot, carried: WorkItem[] = []): Promise<void> {
    const restored = await options.store.loadState(slot.bank.bankCode);
    if (stopped) return;
    const actor = createActor(bankMachine(slot.bank.bankCode), {
      clock,
      input: { bankCode: slot.bank.bankCode, cutoffTime: slot.bank.cutoffTime, restored },
    });
    slot.actor = actor;
    actor.subscribe({ error: (error) => onBankCrash(slot, actor, error) });
    actor.start();
    for (const item of carried) actor.send({ type: 'WORK', item });
  }

  function onBankCrash(slot: BankSlot, actor: BankActor, error: unknown): void {
    if (slot.actor !== actor || stopped) return;
    report(`bank actor ${slot.bank.bankCode} crashed`, error);
    const context = actor.getSnapshot().context;
    // Work the crashed actor held in memory is handed to its successor; health checks come again anyway.
    const carried = [...(context.current ? [context.current] : []), ...context.pending].filter(
      (item) => item.kind !== 'health',
    );
    semaphore.releaseAll(slot.bank.bankCode);
    slot.actor = null;
    const now = time.now();
    if (slot.lastCrashAt !== null && now - slot.lastCrashAt > CALM_AFTER_MS) slot.restarts = 0;
    slot.lastCrashAt = now;
    slot.restarts++;
    const delay = Math.min(1000 * 2 ** (slot.restarts - 1), MAX_RESTART_DELAY_MS);
    slot.restartTimer = clock.setTimeout(() => {
      slot.restartTimer = null;
      if (stopped) return;
      // Its last writes first, so the successor starts from the newest persisted state.
      writes
        .idle()
        .then(() => spawnBank(slot, carried))
        .catch((e) => report(`restarting bank actor ${slot.bank.bankCode}`, e));
    }, delay);
  }

  function startClock(): void {
    const actor = createActor(
      createClockMachine({
        schedule: options.schedule,
        calendar: options.calendar,
        ticks: options.ticks,
        // with leases, the global part of a per-bank event is only what onTick does with it (run recovery)
        dispatch: (tick) =>
          options.leases && PER_BANK_EVENTS.has(tick.event) && !tick.bankCode
            ? Promise.resolve(options.onTick?.(tick))
            : route(tick),
        time,
        onError: report,
        ...(options.leases ? { expand } : {}),
      }),
      { clock },
    );
    clockActor = actor;
    actor.subscribe({
      error: (error) => {
        if (stopped || clockActor !== actor) return;
        report('clock actor crashed', error);
        clockActor = null;
        // Restarting runs the catch-up, so nothing due meanwhile is lost; the dispatch log prevents doubles.
        clock.setTimeout(() => {
          if (!stopped) startClock();
        }, 1000);
      },
    });
    actor.start();
  }

  function expand(tick: Tick): { global: boolean; perBank: Tick[] } {
    const leases = options.leases!;
    if (tick.event === 'BANK.CUTOFF') {
      return { global: false, perBank: tick.bankCode && leases.holds(tick.bankCode) ? [tick] : [] };
    }
    if (!PER_BANK_EVENTS.has(tick.event)) return { global: true, perBank: [] };
    const perBank = [...slots.keys()]
      .filter((code) => leases.holds(code))
      .map((code) => ({ ...tick, key: `${tick.key}:${code}`, bankCode: code }));
    // RETRY.PROCESS also recovers abandoned payment runs (onTick): that part stays with the leader
    return { global: tick.event === 'RETRY.PROCESS', perBank };
  }

  /** To one bank when the tick names it, else to every bank. */
  function sendToBanks(make: () => Parameters<BankActor['send']>[0], bankCode?: string): void {
    for (const slot of slots.values()) {
      if (bankCode === undefined || slot.bank.bankCode === bankCode) slot.actor?.send(make());
    }
  }

  async function route(tick: Tick): Promise<void> {
    switch (tick.event) {
      case 'HEALTH.CHECK':
        sendToBanks(() => ({ type: 'WORK', item: { kind: 'health' } }), tick.bankCode);
        break;
      case 'RECONCILIATION.POLL':
        sendToBanks(() => ({ type: 'WORK', item: { kind: 'poll' } }), tick.bankCode);
        break;
      case 'RETRY.PROCESS':
        sendToBanks(() => ({ type: 'RETRY.PROCESS' }), tick.bankCode);
        break;
      case 'BANK.CUTOFF':
        if (tick.bankCode && slots.has(tick.bankCode)) {
          await options.cutoff.cutoffReached(tick.bankCode, tick.businessDate);
        }
        break;
      default:
        break;
    }
    await options.onTick?.(tick);
  }

  function activityOf(actor: AnyActorRef): string {
    const value = actor.getSnapshot().value as { work?: unknown };
    const work = value.work;
    return typeof work === 'string' ? work : (Object.keys(work ?? {})[0] ?? 'unknown');
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      await Promise.all([...slots.values()].map((slot) => spawnBank(slot)));
      startClock();
    },

    async stop() {
      stopped = true;
      clockActor?.stop();
      clockActor = null;
      for (const slot of slots.values()) {
        if (slot.restartTimer !== null) clock.clearTimeout(slot.restartTimer);
        slot.actor?.stop();
        slot.actor = null;
        semaphore.releaseAll(slot.bank.bankCode);
      }
      await writes.idle();
    },

    upload(bankCode, job) {
      this.submit(bankCode, { kind: 'upload', job });
    },

    submit(bankCode, item) {
      const slot = slots.get(bankCode);
      if (!slot) throw new Error(`no active bank ${bankCode}`);
      if (!slot.actor) {
        // Between a crash and the restart: the durable queue keeps it.
        if (item.kind !== 'health') {
          options.store
            .enqueue({
              bankCode,
              kind: item.kind,
              ref: item.kind === 'upload' ? String(item.job.batchId) : 'poll',
              payload: item.kind === 'upload' ? { ...item.job } : {},
              dueAt: new Date(time.now()),
              attempts: 0,
              error: 'bank actor restarting',
              errorClass: null,
              manual: false,
            })
            .catch((e) => report('retry_queue', e));
        }
        return;
      }
      slot.actor.send({ type: 'WORK', item });
    },

    route,

    resolveManualIntervention(bankCode, decision) {
      const slot = slots.get(bankCode);
      if (!slot?.actor) throw new Error(`no running actor for bank ${bankCode}`);
      slot.actor.send({ type: 'OPERATOR.RESOLVE', retry: decision.retry, by: decision.by });
    },

    calendarChanged() {
      clockActor?.send({ type: 'CALENDAR.CHANGED' });
    },

    async inspect() {
      const stats = new Map((await options.store.queueStats()).map((s) => [s.bankCode, s]));
      const now = time.now();
      const date = (ms: number | null) => (ms === null ? null : new Date(ms));
      const banks: BankInspection[] = [];
      for (const slot of slots.values()) {
        const durable = stats.get(slot.bank.bankCode);
        const c = slot.actor?.getSnapshot().context;
        // A bank between crash and restart is shown as last persisted.
        const persisted = c ? null : await options.store.loadState(slot.bank.bankCode);
        const inMemory = c ? c.pending.filter((i) => i.kind !== 'health').length + (c.current ? 1 : 0) : 0;
        const candidates = [c?.nextRetryAt ?? null, durable?.nextDueAt?.getTime() ?? null].filter(
          (t): t is number => t !== null,
        );
        banks.push({
          bankCode: slot.bank.bankCode,
          breaker: c?.breaker.state ?? persisted?.breakerState ?? 'closed',
          breakerReason: c ? c.breaker.reason : (persisted?.breakerReason ?? null),
          consecutiveFailures: c?.breaker.consecutiveFailures ?? persisted?.consecutiveFailures ?? 0,
          openUntil: c ? date(c.breaker.openUntil) : (persisted?.openUntil ?? null),
          health: c?.health ?? persisted?.health ?? 'down',
          queueSize: (durable?.size ?? 0) + inMemory,
          durableQueueSize: durable?.size ?? 0,
          nextRetryAt: candidates.length ? new Date(Math.min(...candidates)) : null,
          manualIntervention: c?.manualIntervention ?? persisted?.manualIntervention ?? false,
          manualReason: c ? c.manualReason : (persisted?.manualReason ?? null),
          lastSuccessAt: c ? date(c.lastSuccessAt) : (persisted?.lastSuccessAt ?? null),
          lastFailureAt: c ? date(c.lastFailureAt) : (persisted?.lastFailureAt ?? null),
          lastError: c ? c.lastError : (persisted?.lastError ?? null),
          activity: slot.actor ? activityOf(slot.actor) : 'restarting',
          restarts: slot.restarts,
          running: slot.actor !== null,
        });
      }
      const calendar = options.calendar();
      const next = options.schedule.entries
        .map((e) => ({ key: e.key, event: e.event, at: nextOccurrence(e, now, calendar) }))
        .filter((n): n is { key: string; event: TickEvent; at: Date } => n.at !== null)
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      const clockContext = clockActor?.getSnapshot().context;
      return {
        banks,
        clock: {
          running: clockActor !== null,
          leader: clockContext?.leader ?? false,
          busy: clockActor
            ? ['firing', 'catchingUp'].some((state) => clockActor!.getSnapshot().matches(state as never))
            : false,
          dispatched: clockContext?.dispatched ?? 0,
          next,
        },
        concurrency: { max: maxConcurrent, inUse: semaphore.inUse, waiting: semaphore.waiting },
      };
    },

    flush: () => writes.idle(),
  };
}
