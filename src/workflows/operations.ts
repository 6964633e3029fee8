/**
 * The running system: secrets, PGP, SFTP, the bank actors and the clock, wired to the workflows (payment run,
 * delivery, reconciliation, report) and exposed to the monitor API through MonitorPorts. main.ts builds one of
 * these; end-to-end tests build one against sandbox banks with a simulated clock.
 */
import type { Logger } from 'pino';
import type { SimulatedClock } from 'xstate';
import { createDbBankStore, createDbTickLog } from '../actors/db-store.ts';
import type { BankWork, TimerClock } from '../actors/ports.ts';
import { type ActorSystem, createActorSystem, type SystemInspection } from '../actors/system.ts';
import { type BusinessCalendar, createBusinessCalendar } from '../domain/calendar/business-calendar.ts';
import { calendarCoverageWarnings } from '../domain/calendar/coverage.ts';
import type { HolidayYear } from '../domain/calendar/types.ts';
import { assertValueDate, checkValueDate, ValueDateRefused } from '../domain/calendar/value-date.ts';
import { buildSchedule, type Tick } from '../domain/schedule.ts';
import { taipeiDate } from '../domain/taipei-time.ts';
import { loadHolidayYears } from '../infra/config/holidays.ts';
import type { BankConfig, Config } from '../infra/config/schema.ts';
import type { DatabaseHandle } from '../infra/db/connect.ts';
import { withTryLock } from '../infra/db/locks.ts';
import { recordAudit } from '../infra/db/repositories/audit-log.ts';
import { undeliveredBatches } from '../infra/db/repositories/batch-ledger.ts';
import { calendarVersion, listCalendarOverrides } from '../infra/db/repositories/calendar-overrides.ts';
import { markNotified, unnotifiedExceptions } from '../infra/db/repositories/exceptions.ts';
import { createLeadership } from '../infra/db/repositories/leadership.ts';
import { createNotifier, type Notifier } from '../infra/mail/notifier.ts';
import { createBankCrypto, type PgpBankCrypto } from '../infra/pgp/index.ts';
import { createSecretStore, type SecretStore } from '../infra/secrets/index.ts';
import { acceptsAnyHostKey } from '../infra/sftp/host-key.ts';
import { type Sandbox, startSandbox } from '../infra/sftp/sandbox/index.ts';
import type { Telemetry } from '../infra/telemetry/metrics.ts';
import { withSpan } from '../infra/telemetry/tracing.ts';
import { ActionRefused, type MonitorPorts, type SystemSnapshot, type TestConnectionReport } from '../routes/ports.ts';
import { createSftpTransport, type SftpTransport } from './adapters/sftp-transport.ts';
import { type BankLeaseKeeper, createBankLeaseKeeper } from './bank-leases.ts';
import { observeTransport } from './observed-transport.ts';
import { buildBatchesForBank } from './payment-run/build-batches.ts';
import { type DeliverDeps, deliverBatch, raiseCutoffMissed } from './payment-run/deliver-batch.ts';
import { BatchActionRefused, releaseCutoffMissedBatch } from './payment-run/operator-actions.ts';
import {
  type PaymentRunDeps,
  type PaymentRunRequest,
  recoverAbandonedRuns,
  recoverUnstartedRuns,
  type StartedRun,
  startPaymentRun,
} from './payment-run/payment-run.ts';
import { expectedResultDay, raiseOverdueResults } from './reconciliation/overdue-results.ts';
import { MAX_RECONCILIATION_PLAINTEXT_BYTES, pollBank } from './reconciliation/poll-bank.ts';
import { archiveBusinessDay } from './report/archive.ts';
import { buildDailyReport, renderReportHtml, renderReportText, storeDailyReport } from './report/daily-report.ts';
import { createBankSimulator, ensureSandboxKeys } from './sandbox/bank-simulator.ts';

export interface OperationsOptions {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  instanceId: string;
  now?: () => Date;
  /** XState timers: real by default; a SimulatedClock in tests and `simulate`. */
  clock?: TimerClock | SimulatedClock;
  /** How the SFTP stability rule waits between two listings (tests shorten it). */
  stabilityWait?: (ms: number) => Promise<void>;
  /** The sandbox's delayed reconciliation files (tests and `simulate` drive them). */
  sandboxSchedule?: (delayMs: number, task: () => void) => void;
  /** Start the clock actor (the schedule); off for tests that drive ticks themselves. */
  startClock?: boolean;
  /** A payment run without a heartbeat for this long belongs to a dead process (default 60 s). */
  abandonRunAfterMs?: number;
  /** Metrics: transfers, connection attempts, reconciliation results. */
  telemetry?: Telemetry;
  /** How often the calendar version is polled for operator closures (default 5 s; the spec allows 10 s). */
  calendarPollMs?: number;
  /** Per-bank leases: how long one lasts without renewal and how often it is renewed (defaults 30 s / 10 s). */
  bankLeases?: { ttlMs?: number; renewMs?: number };
}

export interface Operations {
  config: Config;
  system: ActorSystem;
  /** The banks this instance works for (per-bank leases shared through the database). */
  leases: BankLeaseKeeper;
  secrets: SecretStore;
  crypto: PgpBankCrypto;
  transport: SftpTransport;
  notifier: Notifier;
  sandbox: Sandbox | null;
  calendar(): BusinessCalendar;
  /** Reloads the calendar now if its version moved (the poller does this every `calendarPollMs`). */
  refreshCalendar(): Promise<boolean>;
  calendarWarnings(): string[];
  ports: MonitorPorts;
  /** When each bank's last reconciliation poll succeeded (metrics). */
  lastPoll(bankCode: string): Date | null;
  triggerPaymentRun(request: PaymentRunRequest): Promise<StartedRun>;
  handleTick(tick: Tick): Promise<void>;
  /** Latest inspection (refreshed in the background; the API reads it synchronously). */
  lastInspection(): SystemInspection | null;
  refreshInspection(): Promise<SystemInspection>;
  /** Resolves when every payment run and tick handler started so far has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function previousDays(day: string, count: number): string[] {
  const out = [day];
  const base = new Date(`${day}T12:00:00+08:00`).getTime();
  for (let i = 1; i < count; i++) out.push(taipeiDate(new Date(base - i * 86_400_000)));
  return out;
}

export async function startOperations(options: OperationsOptions): Promise<Operations> {
  const { config, database, logger, instanceId } = options;
  const db = database.db;
  const now = options.now ?? (() => new Date());
  const activeBanks = config.banks.filter((b) => b.active);
  const bankByCode = new Map(config.banks.map((b) => [b.bank_code, b]));
  const stopSteps: Array<() => Promise<void>> = [];

  const secrets = createSecretStore(config.secrets, {
    now,
    audit: async (entry) => {
      await recordAudit(db, {
        actor: `instance:${instanceId}`,
        action: 'secret.access',
        target: entry.name,
        result: entry.result,
        details: { version: entry.version, provider: entry.provider },
      }).catch((error: unknown) => logger.warn({ err: error }, 'secret access not audit-logged'));
    },
  });
  const getSecret = async (name: string) => (await secrets.get(name)).value;
  const getFreshSecret = async (name: string) => (await (secrets.getFresh ?? secrets.get).call(secrets, name)).value;
  const pgp = createBankCrypto({
    secrets,
    logger,
    now,
    limits: { maxOutputBytes: MAX_RECONCILIATION_PLAINTEXT_BYTES },
  });
  // every PGP operation of the workflows is a span of its own
  const crypto: PgpBankCrypto = {
    ...pgp,
    protect: (bank, name, data) =>
      withSpan('pgp.protect', { 'bank.code': bank.bank_code }, () => pgp.protect(bank, name, data)),
    open: (bank, name, data) => withSpan('pgp.open', { 'bank.code': bank.bank_code }, () => pgp.open(bank, name, data)),
  };
  const notifier = createNotifier({
    db,
    mail: config.mail,
    logger,
    getSecret,
    onDeliveryFailure: (channel) => options.telemetry?.notificationFailure(channel),
  });
  stopSteps.push(async () => notifier.close());

  let sandbox: Sandbox | null = null;
  if (config.sandbox.enabled) {
    await ensureSandboxKeys(secrets, activeBanks, now());
    sandbox = await startSandbox(config, {
      onPaymentFile: createBankSimulator({
        config,
        crypto,
        now,
        onAnswer: ({ bankCode, ...answer }) =>
          logger
            .child({ component: `sandbox:${bankCode}` })
            .info(
              { ...answer, due_in_seconds: config.sandbox.reconciliation_delay_seconds },
              'sandbox bank received a payment file and will answer',
            ),
      }),
      ...(options.sandboxSchedule
        ? { schedule: options.sandboxSchedule }
        : {
            // live demo: poll the bank as soon as its answer is there, not at the next scheduled poll (up to
            // reconciliation_every_minutes later); a simulated day keeps the schedule alone
            onResultsWritten: (bankCode: string, names: string[]) => {
              logger
                .child({ component: `sandbox:${bankCode}` })
                .info({ files: names }, 'sandbox bank wrote its answer');
              system?.submit(bankCode, { kind: 'poll' });
            },
          }),
      onError: (error, context) =>
        logger
          .child({ component: `sandbox:${context.bankCode}` })
          .warn({ err: error, ...context }, 'sandbox bank refused a file'),
    });
    stopSteps.unshift(() => sandbox!.stop());
    for (const b of sandbox.banks.values()) {
      logger
        .child({ component: `sandbox:${b.bankCode}` })
        .info({ port: b.port, dir: b.dir }, 'sandbox bank listening on 127.0.0.1');
    }
  }
  for (const bank of activeBanks.filter(acceptsAnyHostKey)) {
    logger.warn(
      { bank: bank.bank_code, host: bank.sftp_host },
      'insecure_accept_any_host_key outside the sandbox: this bank accepts any SFTP host key; pin host_key_sha256',
    );
  }
  const sftp = createSftpTransport(config, getSecret, {
    getFreshSecret,
    ...(options.stabilityWait ? { wait: options.stabilityWait } : {}),
  });
  const transport = options.telemetry ? observeTransport(sftp, options.telemetry) : sftp;
  stopSteps.unshift(() => sftp.end());
  const lastPolls = new Map<string, Date>();

  const years: HolidayYear[] = await loadHolidayYears(config.holidays_dir);
  let loadedVersion = await calendarVersion(db);
  let calendar = createBusinessCalendar(years, await listCalendarOverrides(db));
  // Operator closures reach every instance through the polled version, the clock (leader or not) included.
  let onCalendarChanged = () => {};
  async function refreshCalendar(): Promise<boolean> {
    const version = await calendarVersion(db);
    if (version === loadedVersion) return false;
    calendar = createBusinessCalendar(years, await listCalendarOverrides(db));
    loadedVersion = version;
    logger.info({ calendar_version: version }, 'calendar reloaded (operator change)');
    onCalendarChanged();
    return true;
  }
  const calendarPoller = setInterval(() => {
    refreshCalendar().catch((error: unknown) => logger.warn({ err: error }, 'calendar not reloaded'));
  }, options.calendarPollMs ?? 5_000);
  calendarPoller.unref?.();
  stopSteps.unshift(async () => clearInterval(calendarPoller));
  /** The value-date rule of every path that builds or re-dates (docs/operations.md, Value dates). */
  const valueDateCheck = (bank: BankConfig, day: string) =>
    checkValueDate(calendar, day, { now: now(), bankCode: bank.bank_code, cutoffTime: bank.cutoff_time });
  const calendarWarnings = () => calendarCoverageWarnings(calendar, taipeiDate(now())).map((w) => w.message);
  for (const warning of calendarWarnings()) logger.warn({ warning }, 'holiday calendar');

  const deliverDeps: DeliverDeps = {
    db,
    crypto,
    transport,
    now,
    instanceId,
    expectedResultBy: (bank, valueDate) =>
      expectedResultDay(calendar, valueDate, bank.result_window_days ?? 1, bank.bank_code),
  };

  async function notifyNewExceptions() {
    const fresh = await unnotifiedExceptions(db);
    if (fresh.length === 0) return;
    const text = fresh.map((e) => `[${e.bank_code}] ${e.kind}: ${e.message}`).join('\n');
    await notifier.notify({ kind: 'exceptions', subject: `banking-sftp: ${fresh.length} new exception(s)`, text });
    await markNotified(
      db,
      fresh.map((e) => e.id),
      now(),
    );
  }

  function bankWork(bankCode: string): BankWork {
    const bank = bankByCode.get(bankCode)!;
    return {
      async upload(job, signal) {
        // One instance delivers a batch at a time: two writers on one `.part` file would corrupt it.
        const outcome = await withTryLock(database, `deliver:${job.batchId}`, () =>
          withSpan('batch.deliver', { 'bank.code': bank.bank_code, 'batch.id': job.batchId }, () =>
            deliverBatch(deliverDeps, bank, job.batchId, signal),
          ),
        );
        if (!outcome.acquired) return;
        if (outcome.value === 'uploaded' || outcome.value === 'already_done') {
          const batch = await db
            .selectFrom('payment_batches')
            .select(['batch_number', 'file_name', 'transaction_count', 'total_cents', 'ciphertext_sha256'])
            .where('id', '=', job.batchId)
            .executeTakeFirst();
          if (batch) {
            await notifier.notify({
              kind: 'confirmation',
              subject: `${bank.bank_name}: ${batch.batch_number} uploaded`,
              text: `${batch.file_name} (${batch.transaction_count} transactions, ${batch.total_cents} cents) is at ${bank.bank_code}; SHA-256 ${batch.ciphertext_sha256}`,
            });
          }
        }
        if (outcome.value === 'cutoff_missed') await notifyNewExceptions();
      },
      async poll(signal) {
        const today = taipeiDate(now());
        const result = await withSpan('reconciliation.poll', { 'bank.code': bank.bank_code }, () =>
          pollBank(
            {
              db,
              crypto,
              transport,
              now,
              dataDir: config.data_dir,
              instanceId,
              onRecords: (code, summary) => {
                const t = options.telemetry;
                if (!t) return;
                t.reconciliationRecords(code, 'matched', summary.matched);
                t.reconciliationRecords(code, 'unmatched', summary.unmatched);
                t.reconciliationRecords(code, 'mismatch', summary.amount_mismatch);
                t.reconciliationRecords(code, 'duplicate', summary.duplicate);
              },
            },
            bank,
            previousDays(today, 3),
            signal,
          ),
        );
        lastPolls.set(bank.bank_code, now());
        if (result.applied.length > 0 || result.quarantined.length > 0 || result.refused.length > 0) {
          logger.info(
            {
              bank: bank.bank_code,
              applied: result.applied.map((a) => a.name),
              quarantined: result.quarantined.map((q) => q.name),
              refused: result.refused.map((r) => r.name),
            },
            'reconciliation poll',
          );
        }
        await notifyNewExceptions();
      },
      async healthCheck(signal) {
        return transport.healthCheck(bank, signal);
      },
    };
  }

  const runs = new Set<Promise<unknown>>();
  let system!: ActorSystem;
  let systemStarted = false;
  /** Batches handed to this instance's bank actors and not yet delivered (not handed twice). */
  const submitted = new Map<number, string>();

  function submitUpload(bankCode: string, batchId: number, valueDate: string) {
    if (submitted.has(batchId)) return;
    submitted.set(batchId, bankCode);
    system.upload(bankCode, { batchId, valueDate });
  }

  /** Hands the held banks' undelivered batches (built by any instance, or left by a dead one) to their actors. */
  async function submitUndelivered(banks: string[]) {
    const waiting = await undeliveredBatches(db);
    const stillWaiting = new Set(waiting.map((b) => b.id));
    for (const id of submitted.keys()) if (!stillWaiting.has(id)) submitted.delete(id);
    for (const batch of waiting) {
      if (banks.includes(batch.bank_code)) submitUpload(batch.bank_code, batch.id, batch.value_date);
    }
  }

  const leases = createBankLeaseKeeper({
    db,
    instanceId,
    bankCodes: activeBanks.map((b) => b.bank_code),
    ...(options.bankLeases ?? {}),
    track: (work) => track(work),
    onError: (error) => logger.warn({ err: error }, 'bank leases not renewed'),
    async onRound(round) {
      if (round.acquired.length > 0 || round.released.length > 0) {
        logger.info(
          { acquired: round.acquired, released: round.released, held: round.held, instances: round.liveInstances },
          'bank leases changed',
        );
      }
      // a bank given away: its batches are the new holder's to hand over
      for (const [id, bank] of submitted) if (round.released.includes(bank)) submitted.delete(id);
      if (systemStarted) await submitUndelivered(round.held);
    },
  });

  const paymentRunDeps: PaymentRunDeps = {
    db,
    config,
    now,
    instanceId,
    ...(options.abandonRunAfterMs ? { abandonAfterMs: options.abandonRunAfterMs } : {}),
    closedDay: (bank, valueDate) => {
      // the cutoff and "past" are the triggers' to check: a recovery run keeps its cutoff_missed route
      const check = checkValueDate(calendar, valueDate, { now: new Date(0), bankCode: bank.bank_code });
      return check.ok ? null : `not run: ${check.message}`;
    },
    deliver: async (bank: BankConfig, batchId: number) => {
      // Another instance holds the bank: it finds the batch in the ledger on its next lease round.
      if (!leases.holds(bank.bank_code)) return;
      const batch = await db
        .selectFrom('payment_batches')
        .select('value_date')
        .where('id', '=', batchId)
        .executeTakeFirstOrThrow();
      submitUpload(bank.bank_code, batchId, batch.value_date);
    },
  };

  function followRun(started: StartedRun): StartedRun {
    if ('done' in started) {
      const tracked: Promise<void> = started.done
        .then(async (summary) => {
          logger.info({ run: summary.runId, status: summary.status, banks: summary.banks }, 'payment run built');
          await notifyNewExceptions();
        })
        .catch((error: unknown) => logger.error({ err: error }, 'payment run failed'))
        .finally(() => runs.delete(tracked));
      runs.add(tracked);
    }
    return started;
  }

  async function triggerPaymentRun(request: PaymentRunRequest): Promise<StartedRun> {
    return followRun(await startPaymentRun(paymentRunDeps, request));
  }

  /** A run whose process died after its tick was claimed is run again: no invoice is forgotten. */
  async function recoverRuns() {
    const restarted = await recoverAbandonedRuns(paymentRunDeps);
    restarted.push(...(await recoverUnstartedRuns(paymentRunDeps)));
    for (const started of restarted) {
      followRun(started);
      logger.warn({ run: started.runId }, 'payment run of a stopped process started again');
    }
  }

  async function dailyReport(businessDate: string) {
    await raiseOverdueResults(db, calendar, businessDate);
    const report = await buildDailyReport(
      db,
      businessDate,
      activeBanks.map((b) => b.bank_code),
    );
    await storeDailyReport(db, report);
    await notifier.notify({
      kind: 'report',
      subject: `banking-sftp daily report ${businessDate}`,
      text: renderReportText(report),
      html: renderReportHtml(report),
    });
    try {
      const archived = await archiveBusinessDay(db, {
        archiveRoot: config.archive.path,
        businessDate,
        retentionDays: config.archive.retention_days,
        now: now(),
      });
      logger.info({ businessDate, ...archived }, 'files archived');
    } catch (error) {
      logger.error({ err: error, archive: config.archive.path }, 'archiving failed; the files stay where they are');
      await db
        .insertInto('exceptions')
        .values({
          bank_code: '*',
          kind: 'archive_failed',
          ref: `day:${businessDate}`,
          message: `archiving ${businessDate} to ${config.archive.path} failed: ${(error as Error).message}`,
        })
        .onConflict((oc) => oc.columns(['bank_code', 'kind', 'ref']).where('status', '=', 'open').doNothing())
        .execute();
      await notifyNewExceptions();
    }
    return report;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => runs.delete(tracked));
    runs.add(tracked);
    return work;
  }

  function handleTick(tick: Tick): Promise<void> {
    return track(handleTickNow(tick));
  }

  async function handleTickNow(tick: Tick) {
    if (tick.event === 'PAYMENTS.GENERATE') {
      // A closure declared overnight stops the run even if this instance has not polled since.
      await refreshCalendar();
      const wanted = activeBanks.filter((b) => !tick.bankCodes || tick.bankCodes.includes(b.bank_code));
      const refused = wanted.flatMap((b) => {
        const check = valueDateCheck(b, tick.businessDate);
        return check.ok ? [] : [{ bank: b.bank_code, reason: check.reason, message: check.message }];
      });
      for (const r of refused) logger.warn({ ...r, valueDate: tick.businessDate }, 'payment run not started for bank');
      const open = wanted.filter((b) => !refused.some((r) => r.bank === b.bank_code)).map((b) => b.bank_code);
      if (open.length === 0) return;
      const started = await triggerPaymentRun({
        trigger: tick.catchUp ? 'catch_up' : 'schedule',
        valueDate: tick.businessDate,
        bankCodes: open,
      });
      if ('conflict' in started) logger.warn({ run: started.runId }, 'payment tick skipped: a run is in progress');
    } else if (tick.event === 'REPORT.DAILY') {
      await dailyReport(tick.businessDate);
    } else if (tick.event === 'RETRY.PROCESS') {
      await recoverRuns();
    }
  }

  const leadership = createLeadership(db, database.kind);
  stopSteps.push(async () => leadership.release());
  // the first round before the clock starts, so the catch-up knows which banks are ours
  await leases.start();
  stopSteps.push(() => leases.stop());
  system = createActorSystem({
    banks: activeBanks.map((b) => ({ bankCode: b.bank_code, cutoffTime: b.cutoff_time })),
    work: bankWork,
    store: createDbBankStore(db, { owner: instanceId }),
    ticks: createDbTickLog(db, { instanceId, leadership }),
    cutoff: {
      async cutoffReached(bankCode, businessDate) {
        const bank = bankByCode.get(bankCode);
        if (!bank) return;
        const missed = await raiseCutoffMissed(deliverDeps, bank, businessDate);
        if (missed > 0) await notifyNewExceptions();
      },
    },
    schedule: buildSchedule(config.schedule, {
      cutoffs: activeBanks.map((b) => ({ bankCode: b.bank_code, time: b.cutoff_time })),
    }),
    calendar: () => calendar,
    onTick: handleTick,
    breaker: { failureThreshold: config.breaker.failure_threshold, openMs: config.breaker.open_seconds * 1000 },
    retry: { maxAttempts: config.retry.max_attempts, maxBackoffSeconds: config.retry.max_backoff_seconds },
    maxConcurrentBanks: config.max_concurrent_banks,
    time: { now: () => now().getTime() },
    ...(options.clock ? { clock: options.clock as TimerClock } : {}),
    leases,
    observer: {
      onBreakerChange(bankCode, state, reason) {
        const level = state === 'closed' ? 'info' : 'warn';
        logger[level]({ bank: bankCode, state, reason }, 'circuit breaker changed');
        if (state === 'open') {
          recordAudit(db, {
            actor: 'system',
            action: 'breaker.open',
            target: bankCode,
            result: 'open',
            details: { reason },
          }).catch(() => {});
        }
      },
      onManualIntervention(bankCode, reason) {
        logger.error({ bank: bankCode, reason }, 'manual intervention required');
        db.insertInto('exceptions')
          .values({ bank_code: bankCode, kind: 'manual_intervention', ref: `bank:${bankCode}`, message: reason })
          .onConflict((oc) => oc.columns(['bank_code', 'kind', 'ref']).where('status', '=', 'open').doNothing())
          .execute()
          .then(() => notifyNewExceptions())
          .catch((error: unknown) => logger.error({ err: error }, 'manual intervention not recorded'));
      },
      onWorkFailed(bankCode, kind, error, retryClass) {
        logger.warn({ bank: bankCode, kind, retryClass, err: error }, 'bank work failed');
      },
      onError(where, error) {
        logger.error({ where, err: error }, 'actor error');
      },
    },
  });
  onCalendarChanged = () => system.calendarChanged();
  if (options.startClock !== false) await system.start();
  stopSteps.unshift(() => system.stop());

  // Runs and batches left mid-way by a previous process are resumed from the ledger (batches by their bank's
  // lease holder).
  systemStarted = true;
  await track(recoverRuns());
  await submitUndelivered(leases.held());

  let inspection: SystemInspection | null = null;
  const refreshInspection = async () => {
    inspection = await system.inspect();
    return inspection;
  };
  await refreshInspection();
  const refresher = setInterval(() => {
    refreshInspection().catch(() => {});
  }, 2_000);
  refresher.unref?.();
  stopSteps.unshift(async () => clearInterval(refresher));

  const ports: MonitorPorts = {
    snapshot(): SystemSnapshot {
      const view = inspection;
      return {
        banks: activeBanks.map((bank) => {
          const b = view?.banks.find((x) => x.bankCode === bank.bank_code);
          const pool = transport.sftpFor(bank).stats();
          return {
            bankCode: bank.bank_code,
            breaker: b?.breaker ?? 'closed',
            breakerOpenUntil: b?.openUntil ?? null,
            health: b?.health ?? 'healthy',
            pool: { active: pool.active, idle: pool.idle, waiting: pool.waiting },
            queueSize: b?.queueSize ?? 0,
            nextRetryAt: b?.nextRetryAt ?? null,
            manualIntervention: b?.manualIntervention
              ? { reason: b.manualReason ?? 'manual intervention', since: b.lastFailureAt ?? now() }
              : null,
            lastSuccessAt: b?.lastSuccessAt ?? null,
            lastError: b?.lastError ?? null,
          };
        }),
        nextTicks: (view?.clock.next ?? []).map((t) => ({ event: t.event, at: t.at })),
        calendarWarnings: calendarWarnings(),
        runningPaymentRun: null,
      };
    },
    async testConnection(bankCode): Promise<TestConnectionReport> {
      const bank = bankByCode.get(bankCode);
      if (!bank) throw new ActionRefused('not_found', `no bank ${bankCode}`);
      const r = await transport.sftpFor(bank).testConnection();
      return {
        ok: r.ok,
        serverBanner: r.serverBanner ?? null,
        algorithms: r.algorithms
          ? {
              kex: r.algorithms.kex,
              serverHostKey: r.algorithms.serverHostKey,
              cipher: r.algorithms.cipher,
              mac: r.algorithms.mac,
            }
          : null,
        hostKeySha256: r.hostKey?.fingerprint ?? null,
        hostKeyMatchesPin: r.hostKey ? (r.hostKey.matchesPin ?? null) : null,
        sftpExtensions: r.sftpExtensions ?? [],
        latencyMs: Math.round(r.roundTripMs ?? r.connectMs ?? 0),
        uploadPathWritable: r.uploadPath?.writable ?? false,
        error: r.error?.message ?? null,
        errorClass: r.error ? `${r.error.code}:${r.error.retryClass}` : null,
        uploadProbe: r.probe.map((p) => ({
          step: p.step,
          ok: p.ok,
          ms: p.ms,
          detail: p.detail ?? null,
          error: p.error ?? null,
        })),
        serverOffer: r.serverOffer ?? null,
      };
    },
    async triggerPaymentRun({ bankCodes, valueDate, actor }) {
      await refreshCalendar();
      const day = valueDate ?? taipeiDate(now());
      // nothing is built when any asked-for bank cannot take the date
      for (const bank of activeBanks.filter((b) => !bankCodes || bankCodes.includes(b.bank_code))) {
        assertValueDate(calendar, day, { now: now(), bankCode: bank.bank_code, cutoffTime: bank.cutoff_time });
      }
      const started = await triggerPaymentRun({
        trigger: 'manual',
        valueDate: valueDate ?? taipeiDate(now()),
        ...(bankCodes ? { bankCodes } : {}),
        actor,
      });
      return 'conflict' in started ? started : { runId: started.runId };
    },
    async resolveManualIntervention(bankCode, actor) {
      if (!bankByCode.has(bankCode)) throw new ActionRefused('not_found', `no bank ${bankCode}`);
      system.resolveManualIntervention(bankCode, { retry: true, by: actor });
      await db
        .updateTable('exceptions')
        .set({ status: 'resolved', resolved_at: now(), resolved_by: actor, resolution: 'manual intervention resolved' })
        .where('kind', '=', 'manual_intervention')
        .where('bank_code', '=', bankCode)
        .where('status', '=', 'open')
        .execute();
    },
    async retryNow(entryId) {
      const entry = await db.selectFrom('retry_queue').selectAll().where('id', '=', entryId).executeTakeFirst();
      if (!entry) throw new ActionRefused('not_found', `no retry queue entry ${entryId}`);
      if (entry.status !== 'pending') throw new ActionRefused('conflict', `entry ${entryId} is ${entry.status}`);
      await db.updateTable('retry_queue').set({ due_at: now(), updated_at: now() }).where('id', '=', entryId).execute();
      await system.route({
        key: `RETRY.PROCESS:manual:${entryId}`,
        event: 'RETRY.PROCESS',
        scheduledAt: now(),
        businessDate: taipeiDate(now()),
        catchUp: false,
        bankCode: entry.bank_code,
      });
    },
    async redateBatch(batchId, newValueDate, actor) {
      await refreshCalendar();
      const waiting = await db
        .selectFrom('payment_batches')
        .select('bank_code')
        .where('id', '=', batchId)
        .executeTakeFirst();
      const waitingBank = waiting ? bankByCode.get(waiting.bank_code) : undefined;
      if (waitingBank) {
        const check = valueDateCheck(waitingBank, newValueDate);
        if (!check.ok) throw new ValueDateRefused(newValueDate, check.reason, check.message, waitingBank.bank_code);
      }
      try {
        const released = await releaseCutoffMissedBatch(db, batchId, {
          actor,
          reason: `re-dated to ${newValueDate} by ${actor}`,
          now: now(),
        });
        const bank = bankByCode.get(released.bankCode)!;
        const built = await buildBatchesForBank(db, {
          bank,
          company: config.company,
          valueDate: newValueDate,
          runId: null,
          now: now(),
        });
        for (const b of built.batches) submitUpload(bank.bank_code, b.id, newValueDate);
      } catch (error) {
        if (error instanceof BatchActionRefused) throw new ActionRefused(error.reason, error.message);
        throw error;
      }
    },
    async cancelBatch(batchId, actor, reason) {
      try {
        await releaseCutoffMissedBatch(db, batchId, { actor, reason: `cancelled by ${actor}: ${reason}`, now: now() });
      } catch (error) {
        if (error instanceof BatchActionRefused) throw new ActionRefused(error.reason, error.message);
        throw error;
      }
    },
  };

  let stopped: Promise<void> | undefined;
  return {
    config,
    system,
    leases,
    secrets,
    crypto,
    transport,
    notifier,
    sandbox,
    calendar: () => calendar,
    refreshCalendar,
    calendarWarnings,
    ports,
    triggerPaymentRun,
    handleTick,
    lastInspection: () => inspection,
    lastPoll: (bankCode) => lastPolls.get(bankCode) ?? null,
    refreshInspection,
    async idle() {
      while (runs.size > 0) await Promise.allSettled([...runs]);
    },
    stop() {
      stopped ??= (async () => {
        await Promise.allSettled([...runs]);
        for (const step of stopSteps)
          await step().catch((error: unknown) => logger.warn({ err: error }, 'stop step failed'));
      })();
      return stopped;
    },
  };
}

/** Rebuilds the calendar after an operator override (exported for the API/CLI that changes overrides). */
export async function reloadCalendar(db: DatabaseHandle['db'], holidaysDir: string): Promise<BusinessCalendar> {
  return createBusinessCalendar(await loadHolidayYears(holidaysDir), await listCalendarOverrides(db));
}
