/**
 * One actor per bank (XState v5). Parallel regions:
 * - `breaker`: closed / open / half_open, mirroring `context.breaker` (the pure maths of domain/breaker.ts). The
 *   open period is an `after` with a delay computed from `openUntil`, so it is re-armed when the actor starts
 *   from persisted state (delays are not restored from snapshots);
 * - `health`: healthy / degraded / down, fed by health checks and transfers;
 * - `work`: one work item at a time (upload a batch, poll reconciliation, health check), each an invoked
 *   `fromPromise` actor given the abort signal. Failures follow the retry table (domain/retry.ts): retry at once,
 *   backoff states with computed delays, then the durable queue; critical -> `manual_intervention` until an
 *   operator resolves it. While the breaker is open no work is attempted: uploads and polls go to the durable
 *   queue, health checks are skipped. An upload whose value date's cutoff has passed is never started: it is
 *   reported through the cutoff port instead;
 * - `retries`: RETRY.PROCESS claims this bank's due entries of the durable queue.
 *
 * @example
 *   const machine = createBankMachine(deps);
 *   const actor = createActor(machine, { input: { bankCode: 'mega', cutoffTime: '15:30', restored } }).start();
 *   actor.send({ type: 'WORK', item: { kind: 'upload', job: { batchId: 42, valueDate: '2026-11-24' } } });
 */
import { and, assign, fromPromise, not, raise, setup, stateIn } from 'xstate';
import {
  type Breaker,
  type BreakerPolicy,
  breakerFailure,
  breakerRemainingMs,
  breakerSuccess,
  breakerTimerElapsed,
  DEFAULT_BREAKER_POLICY,
  INITIAL_BREAKER,
} from '../domain/breaker.ts';
import { type RetryClass, retryClassOf } from '../domain/failure.ts';
import { maskSensitiveText } from '../domain/mask.ts';
import {
  advanceRetry,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  NO_RETRIES_YET,
  queueRetryDueAt,
  type RetryDecision,
  type RetryPolicy,
  type RetryProgress,
} from '../domain/retry.ts';
import { cutoffInstant } from '../domain/schedule.ts';
import type {
  BankObserver,
  BankStore,
  BankWork,
  CutoffPort,
  Health,
  HealthCheckResult,
  PersistedBankState,
  QueuedWork,
  TimeSource,
  UploadJob,
  WorkKind,
} from './ports.ts';
import type { Semaphore } from './semaphore.ts';
import { WriteQueue } from './write-queue.ts';

export type WorkItem =
  | { kind: 'upload'; job: UploadJob; queueId?: number; attempts?: number }
  | { kind: 'poll'; queueId?: number; attempts?: number }
  | { kind: 'health' };

export type BankEvent =
  | { type: 'WORK'; item: WorkItem }
  | { type: 'RETRY.PROCESS' }
  | { type: 'OPERATOR.RESOLVE'; retry: boolean; by: string }
  | { type: 'BREAKER.SYNC' };

export interface BankMachineInput {
  bankCode: string;
  /** HH:MM Asia/Taipei: no upload starts after this on the batch's value date. */
  cutoffTime: string;
  restored?: PersistedBankState | null;
}

export interface BankMachineDeps {
  work: BankWork;
  store: BankStore;
  cutoff: CutoffPort;
  semaphore: Semaphore;
  time: TimeSource;
  breaker?: BreakerPolicy;
  retry?: RetryPolicy;
  observer?: BankObserver;
  /** A health check slower than this marks the connection degraded. */
  degradedLatencyMs?: number;
  /** Ordered store writes from actions; share one to await them (`writes.idle()`). */
  writes?: WriteQueue;
}

export interface BankContext {
  bankCode: string;
  cutoffTime: string;
  breaker: Breaker;
  health: Health;
  manualIntervention: boolean;
  manualReason: string | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  pending: WorkItem[];
  current: WorkItem | null;
  progress: RetryProgress;
  decision: RetryDecision | null;
  failure: { message: string; retryClass: RetryClass } | null;
  /** When the current item's backoff wait ends (for inspection). */
  nextRetryAt: number | null;
}

export const workRef = (item: WorkItem): string =>
  item.kind === 'upload' ? String(item.job.batchId) : item.kind === 'poll' ? 'poll' : 'health';

const queueIdOf = (item: WorkItem | null): number | undefined =>
  item && item.kind !== 'health' ? item.queueId : undefined;

const sameWork = (a: WorkItem, b: WorkItem) => a.kind === b.kind && workRef(a) === workRef(b);

export function queuedToWorkItem(entry: QueuedWork): WorkItem | null {
  if (entry.kind === 'upload') {
    const batchId = Number(entry.payload['batchId'] ?? entry.ref);
    const valueDate = String(entry.payload['valueDate'] ?? '');
    if (!Number.isSafeInteger(batchId) || !/^\d{4}-\d{2}-\d{2}$/.test(valueDate)) return null;
    return { kind: 'upload', job: { batchId, valueDate }, queueId: entry.id, attempts: entry.attempts };
  }
  if (entry.kind === 'poll') return { kind: 'poll', queueId: entry.id, attempts: entry.attempts };
  return null;
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return maskSensitiveText(text).slice(0, 500);
}

function restoredBreaker(state: PersistedBankState | null | undefined): Breaker {
  if (!state) return INITIAL_BREAKER;
  return {
    state: state.breakerState,
    consecutiveFailures: state.consecutiveFailures,
    openUntil: state.openUntil ? state.openUntil.getTime() : null,
    reason: state.breakerReason,
  };
}

export function createBankMachine(deps: BankMachineDeps) {
  const breakerPolicy = deps.breaker ?? DEFAULT_BREAKER_POLICY;
  const retryPolicy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const now = () => deps.time.now();
  const report = (where: string, error: unknown) => deps.observer?.onError?.(where, error);

  const writes = deps.writes ?? new WriteQueue((error) => report('store', error));
  const persist = (context: BankContext) => {
    const state: PersistedBankState = {
      bankCode: context.bankCode,
      breakerState: context.breaker.state,
      breakerReason: context.breaker.reason,
      consecutiveFailures: context.breaker.consecutiveFailures,
      openUntil: context.breaker.openUntil === null ? null : new Date(context.breaker.openUntil),
      health: context.health,
      manualIntervention: context.manualIntervention,
      manualReason: context.manualReason,
      lastSuccessAt: context.lastSuccessAt === null ? null : new Date(context.lastSuccessAt),
      lastFailureAt: context.lastFailureAt === null ? null : new Date(context.lastFailureAt),
      lastError: context.lastError,
    };
    writes.push(() => deps.store.saveState(state));
  };

  const machine = setup({
    types: {
      context: {} as BankContext,
      events: {} as BankEvent,
      input: {} as BankMachineInput,
    },
    actors: {
      acquireSlot: fromPromise<void, { bankCode: string }>(({ input, signal }) =>
        deps.semaphore.acquire(input.bankCode, signal),
      ),
      runWork: fromPromise<HealthCheckResult | null, { item: WorkItem }>(async ({ input, signal }) => {
        const item = input.item;
        if (item.kind === 'upload') {
          await deps.work.upload(item.job, signal);
          return null;
        }
        if (item.kind === 'poll') {
          await deps.work.poll(signal);
          return null;
        }
        return deps.work.healthCheck(signal);
      }),
      deferWork: fromPromise<void, { context: BankContext; manual: boolean }>(async ({ input }) => {
        const { context, manual } = input;
        const item = context.current;
        if (!item || item.kind === 'health') return;
        const failure = context.failure;
        const queueId = queueIdOf(item);
        if (queueId !== undefined) {
          if (manual && failure) await deps.store.markManual(queueId, failure.message, failure.retryClass);
          else if (failure) {
            const due = Math.max(
              queueRetryDueAt(now(), (item.attempts ?? 0) + 1, retryPolicy),
              context.breaker.openUntil ?? 0,
            );
            await deps.store.reschedule(queueId, new Date(due), failure.message, failure.retryClass);
          } else {
            // Deferred without an attempt (breaker open): due again when the breaker lets a probe through.
            const due = new Date(context.breaker.openUntil ?? now());
            await deps.store.reschedule(queueId, due, 'breaker open', 'backoff');
          }
          return;
        }
        await deps.store.enqueue({
          bankCode: context.bankCode,
          kind: item.kind,
          ref: workRef(item),
          payload: item.kind === 'upload' ? { ...item.job } : {},
          // Retried by the next RETRY.PROCESS, not before the breaker lets a probe through.
          dueAt: new Date(Math.max(now(), context.breaker.openUntil ?? 0)),
          attempts: failure ? context.progress.backoffRetries + 1 + (context.progress.immediateRetryUsed ? 1 : 0) : 0,
          error: failure?.message ?? (context.breaker.state === 'open' ? 'breaker open' : null),
          errorClass: failure?.retryClass ?? null,
          manual,
        });
      }),
      claimRetries: fromPromise<QueuedWork[], { bankCode: string }>(({ input }) =>
        deps.store.claimDue(input.bankCode, new Date(now())),
      ),
      resolveManual: fromPromise<void, { bankCode: string; retry: boolean }>(({ input }) =>
        deps.store.resolveManual(input.bankCode, input.retry, new Date(now())),
      ),
    },
    delays: {
      breakerOpen: ({ context }) => breakerRemainingMs(context.breaker, now()),
      backoff: ({ context }) => (context.decision?.action === 'backoff' ? context.decision.delayMs : 0),
    },
    guards: {
      hasPending: ({ context }) => context.pending.length > 0,
      breakerOpen: ({ context }) => context.breaker.state === 'open',
      breakerIsOpen: ({ context }) => context.breaker.state === 'open',
      breakerIsHalfOpen: ({ context }) => context.breaker.state === 'half_open',
      breakerIsClosed: ({ context }) => context.breaker.state === 'closed',
      restoredManual: ({ context }) => context.manualIntervention,
      pastCutoff: ({ context }) => {
        const item = context.current;
        return item?.kind === 'upload' && now() >= cutoffInstant(item.job.valueDate, context.cutoffTime).getTime();
      },
      currentIsHealth: ({ context }) => context.current?.kind === 'health',
      decidedManual: ({ context }) => context.decision?.action === 'manual_intervention',
      decidedRetryNow: ({ context }) => context.decision?.action === 'retry_now',
      decidedBackoff: ({ context }) => context.decision?.action === 'backoff' && context.current !== null,
      fromDurableQueue: ({ context }) => queueIdOf(context.current) !== undefined,
      failuresReachThreshold: ({ context }) => context.breaker.consecutiveFailures >= breakerPolicy.failureThreshold,
    },
    actions: {
      addPending: assign({
        pending: ({ context, event }) => {
          if (event.type !== 'WORK') return context.pending;
          const item = event.item;
          if (context.current && sameWork(context.current, item)) return context.pending;
          if (context.pending.some((p) => sameWork(p, item))) return context.pending;
          return [...context.pending, item];
        },
      }),
      addClaimed: assign({
        pending: ({ context }, claimed: QueuedWork[]) => {
          const items = claimed.map(queuedToWorkItem).filter((i): i is WorkItem => i !== null);
          return [...context.pending.filter((p) => !items.some((i) => sameWork(i, p))), ...items];
        },
      }),
      takeNext: assign({
        current: ({ context }) => context.pending[0] ?? null,
        pending: ({ context }) => context.pending.slice(1),
        progress: () => NO_RETRIES_YET,
        decision: () => null,
        failure: () => null,
        nextRetryAt: () => null,
      }),
      clearCurrent: assign({
        current: null,
        decision: null,
        failure: null,
        nextRetryAt: null,
        progress: NO_RETRIES_YET,
      }),
      recordSuccess: assign(({ context }, result: HealthCheckResult | null) => {
        const slow = result !== null && result.latencyMs > (deps.degradedLatencyMs ?? 5_000);
        return {
          breaker: breakerSuccess(context.breaker),
          health: slow ? ('degraded' as const) : ('healthy' as const),
          lastSuccessAt: now(),
        };
      }),
      recordFailure: assign(({ context }, { error }: { error: unknown }) => {
        const retryClass = retryClassOf(error);
        const message = errorMessage(error);
        const breaker = breakerFailure(context.breaker, now(), message, breakerPolicy);
        const decision = decideRetry(retryClass, context.progress, retryPolicy);
        return {
          breaker,
          health:
            breaker.state === 'open' || breaker.consecutiveFailures >= breakerPolicy.failureThreshold
              ? ('down' as const)
              : ('degraded' as const),
          lastFailureAt: now(),
          lastError: message,
          failure: { message, retryClass },
          decision,
          progress: advanceRetry(context.progress, decision),
        };
      }),
      completeQueued: ({ context }) => {
        const id = queueIdOf(context.current);
        if (id !== undefined) writes.push(() => deps.store.complete(id));
      },
      notifyFailure: ({ context }, { error }: { error: unknown }) => {
        if (context.current)
          deps.observer?.onWorkFailed?.(context.bankCode, context.current.kind as WorkKind, error, retryClassOf(error));
      },
      setNextRetry: assign({
        nextRetryAt: ({ context }) =>
          context.decision?.action === 'backoff' ? now() + context.decision.delayMs : null,
      }),
      enterManual: assign(({ context }) => ({
        manualIntervention: true,
        manualReason: context.failure?.message ?? context.manualReason ?? 'critical failure',
      })),
      announceManual: ({ context }) =>
        deps.observer?.onManualIntervention?.(context.bankCode, context.manualReason ?? 'critical failure'),
      leaveManual: assign({ manualIntervention: false, manualReason: null }),
      reportCutoff: ({ context }) => {
        const item = context.current;
        if (item?.kind !== 'upload') return;
        const id = item.queueId;
        if (id !== undefined) writes.push(() => deps.store.complete(id));
        Promise.resolve()
          .then(() => deps.cutoff.cutoffReached(context.bankCode, item.job.valueDate))
          .catch((e) => report('cutoff', e));
      },
      halfOpen: assign({ breaker: ({ context }) => breakerTimerElapsed(context.breaker, Number.POSITIVE_INFINITY) }),
      announceBreaker: ({ context }) =>
        deps.observer?.onBreakerChange?.(context.bankCode, context.breaker.state, context.breaker.reason),
      persist: ({ context }) => persist(context),
      syncBreaker: raise({ type: 'BREAKER.SYNC' }),
      releaseSlot: ({ context }) => deps.semaphore.release(context.bankCode),
      reportError: (_, params: { where: string; error: unknown }) => report(params.where, params.error),
    },
  }).createMachine({
    id: 'bank',
    type: 'parallel',
    context: ({ input }) => ({
      bankCode: input.bankCode,
      cutoffTime: input.cutoffTime,
      breaker: restoredBreaker(input.restored),
      health: input.restored?.health ?? 'healthy',
      manualIntervention: input.restored?.manualIntervention ?? false,
      manualReason: input.restored?.manualReason ?? null,
      lastSuccessAt: input.restored?.lastSuccessAt?.getTime() ?? null,
      lastFailureAt: input.restored?.lastFailureAt?.getTime() ?? null,
      lastError: input.restored?.lastError ?? null,
      pending: [],
      current: null,
      progress: NO_RETRIES_YET,
      decision: null,
      failure: null,
      nextRetryAt: null,
    }),
    on: { WORK: { actions: 'addPending' } },
    states: {
      breaker: {
        initial: 'restoring',
        states: {
          restoring: {
            always: [
              { guard: 'breakerIsOpen', target: 'open' },
              { guard: 'breakerIsHalfOpen', target: 'half_open' },
              { target: 'closed' },
            ],
          },
          closed: {
            entry: ['persist', 'announceBreaker'],
            on: { 'BREAKER.SYNC': [{ guard: 'breakerIsOpen', target: 'open' }, { actions: 'persist' }] },
          },
          open: {
            entry: ['persist', 'announceBreaker'],
            after: { breakerOpen: { target: 'half_open', actions: 'halfOpen' } },
            on: {
              'BREAKER.SYNC': [{ guard: 'breakerIsClosed', target: 'closed' }, { actions: 'persist' }],
            },
          },
          half_open: {
            entry: ['persist', 'announceBreaker'],
            on: {
              'BREAKER.SYNC': [
                // the probe succeeded: what waited in the durable queue goes now, not at the next hourly tick
                { guard: 'breakerIsClosed', target: 'closed', actions: raise({ type: 'RETRY.PROCESS' }) },
                // a failed probe: open again, the timer restarts from the new openUntil
                { guard: 'breakerIsOpen', target: 'open', reenter: true },
              ],
            },
          },
        },
      },

      health: {
        initial: 'restoring',
        states: {
          restoring: {
            always: [
              { guard: ({ context }) => context.health === 'down', target: 'down' },
              { guard: ({ context }) => context.health === 'degraded', target: 'degraded' },
              { target: 'healthy' },
            ],
          },
          healthy: {},
          degraded: {},
          down: {},
        },
        on: {
          'BREAKER.SYNC': [
            { guard: ({ context }) => context.health === 'down', target: '.down' },
            { guard: ({ context }) => context.health === 'degraded', target: '.degraded' },
            { target: '.healthy' },
          ],
        },
      },

      work: {
        initial: 'restoring',
        states: {
          restoring: {
            always: [{ guard: 'restoredManual', target: 'manual_intervention' }, { target: 'idle' }],
          },
          idle: {
            always: { guard: 'hasPending', target: 'checking', actions: 'takeNext' },
          },
          checking: {
            always: [
              { guard: 'pastCutoff', target: 'idle', actions: ['reportCutoff', 'clearCurrent'] },
              { guard: and(['breakerOpen', 'currentIsHealth']), target: 'idle', actions: 'clearCurrent' },
              { guard: 'breakerOpen', target: 'deferring' },
              { target: 'busy' },
            ],
          },
          busy: {
            initial: 'acquiring',
            exit: 'releaseSlot',
            states: {
              acquiring: {
                invoke: {
                  src: 'acquireSlot',
                  input: ({ context }) => ({ bankCode: context.bankCode }),
                  onDone: 'running',
                  onError: {
                    target: '#bank.work.idle',
                    actions: [
                      'clearCurrent',
                      { type: 'reportError', params: ({ event }) => ({ where: 'semaphore', error: event.error }) },
                    ],
                  },
                },
              },
              running: {
                invoke: {
                  src: 'runWork',
                  input: ({ context }) => ({ item: context.current! }),
                  onDone: {
                    target: '#bank.work.idle',
                    actions: [
                      { type: 'recordSuccess', params: ({ event }) => event.output },
                      'completeQueued',
                      'clearCurrent',
                      'syncBreaker',
                    ],
                  },
                  onError: {
                    target: 'deciding',
                    actions: [
                      { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
                      { type: 'notifyFailure', params: ({ event }) => ({ error: event.error }) },
                      'syncBreaker',
                    ],
                  },
                },
              },
              deciding: {
                always: [
                  { guard: 'decidedManual', target: '#bank.work.manual_intervention' },
                  { guard: 'currentIsHealth', target: '#bank.work.idle', actions: 'clearCurrent' },
                  { guard: 'breakerOpen', target: '#bank.work.deferring' },
                  { guard: 'decidedRetryNow', target: 'running' },
                  { guard: and(['decidedBackoff', not('fromDurableQueue')]), target: '#bank.work.backingOff' },
                  { target: '#bank.work.deferring' },
                ],
              },
            },
          },
          backingOff: {
            entry: 'setNextRetry',
            after: { backoff: 'checking' },
          },
          deferring: {
            invoke: {
              src: 'deferWork',
              input: ({ context }) => ({ context, manual: false }),
              onDone: { target: 'idle', actions: 'clearCurrent' },
              onError: {
                target: 'idle',
                actions: [
                  { type: 'reportError', params: ({ event }) => ({ where: 'retry_queue', error: event.error }) },
                  'clearCurrent',
                ],
              },
            },
          },
          manual_intervention: {
            entry: ['enterManual', 'persist', 'announceManual'],
            initial: 'recording',
            states: {
              recording: {
                invoke: {
                  src: 'deferWork',
                  input: ({ context }) => ({ context, manual: true }),
                  onDone: { target: 'waiting', actions: 'clearCurrent' },
                  onError: {
                    target: 'waiting',
                    actions: [
                      { type: 'reportError', params: ({ event }) => ({ where: 'retry_queue', error: event.error }) },
                      'clearCurrent',
                    ],
                  },
                },
              },
              waiting: {
                on: { 'OPERATOR.RESOLVE': 'resolving' },
              },
              resolving: {
                invoke: {
                  src: 'resolveManual',
                  input: ({ context, event }) => ({
                    bankCode: context.bankCode,
                    retry: event.type === 'OPERATOR.RESOLVE' ? event.retry : true,
                  }),
                  onDone: {
                    target: '#bank.work.idle',
                    actions: ['leaveManual', 'persist', raise({ type: 'RETRY.PROCESS' })],
                  },
                  onError: {
                    target: 'waiting',
                    actions: {
                      type: 'reportError',
                      params: ({ event }) => ({ where: 'retry_queue', error: event.error }),
                    },
                  },
                },
              },
            },
          },
        },
      },

      retries: {
        initial: 'idle',
        states: {
          idle: {
            on: {
              'RETRY.PROCESS': {
                guard: and([not(stateIn({ work: 'manual_intervention' })), not('breakerOpen')]),
                target: 'claiming',
              },
            },
          },
          claiming: {
            invoke: {
              src: 'claimRetries',
              input: ({ context }) => ({ bankCode: context.bankCode }),
              onDone: { target: 'idle', actions: { type: 'addClaimed', params: ({ event }) => event.output } },
              onError: {
                target: 'idle',
                actions: { type: 'reportError', params: ({ event }) => ({ where: 'retry_queue', error: event.error }) },
              },
            },
          },
        },
      },
    },
  });

  return machine;
}

export type BankMachine = ReturnType<typeof createBankMachine>;
