/** Everything the operations page shows, gathered in one place from the actors' snapshot and the database. */
import { taipeiDate, taipeiInstant } from '../../domain/taipei-time.ts';
import { batchesForDay } from '../../infra/db/repositories/monitor-batches.ts';
import { listExceptions } from '../../infra/db/repositories/monitor-exceptions.ts';
import { batchesAwaitingDecision, reconciliationBetween } from '../../infra/db/repositories/monitor-page.ts';
import { listRetryQueue } from '../../infra/db/repositories/monitor-retry-queue.ts';
import { lastUploads } from '../../infra/db/repositories/monitor-transfers.ts';
import type { DashboardData } from '../dashboard/dashboard.handlers.ts';
import { bankStatus } from '../health/health.handlers.ts';
import type { MonitorContext } from '../router.ts';

export interface BankTile {
  bankCode: string;
  bankName: string;
  breaker: 'closed' | 'open' | 'half_open' | 'unknown';
  status: 'healthy' | 'degraded' | 'down' | 'unknown';
  health: string;
  queueSize: number | null;
  manualIntervention: string | null;
  /** What failed last, while the bank is not healthy (masked when shown). */
  lastError: string | null;
  /** When an open breaker lets the next probe through (half-open). */
  halfOpenAt: Date | null;
  lastUpload: Date | null;
  nextRun: Date | null;
  cutoff: string;
  /** Minutes until today's cutoff (negative once passed). */
  cutoffInMinutes: number;
}

export interface ChartDay {
  date: string;
  transfers: number;
  /** Failed transfer attempts (failed connections included). */
  failed: number;
  successRate: number | null;
}

export async function loadPageData(ctx: MonitorContext, dashboard: (days: number) => Promise<DashboardData>) {
  const now = ctx.now();
  const today = taipeiDate(now);
  const snapshot = ctx.ports.snapshot();
  const codes = ctx.banks.map((b) => b.bank_code);
  const dayStart = taipeiInstant(today, '00:00');
  const [uploads, batches, exceptions, week, retry, decisions, reconciliation] = await Promise.all([
    lastUploads(ctx.db, codes),
    batchesForDay(ctx.db, today),
    listExceptions(ctx.db, { status: 'open', limit: 50 }),
    dashboard(7),
    listRetryQueue(ctx.db, { limit: 50 }),
    batchesAwaitingDecision(ctx.db),
    reconciliationBetween(ctx.db, dayStart, new Date(dayStart.getTime() + 24 * 3600_000)),
  ]);
  const nextRun = snapshot.nextTicks.find((t) => t.event === 'PAYMENTS.GENERATE')?.at ?? null;
  const tiles: BankTile[] = ctx.banks.map((bank) => {
    const live = snapshot.banks.find((b) => b.bankCode === bank.bank_code);
    return {
      bankCode: bank.bank_code,
      bankName: bank.bank_name,
      breaker: live?.breaker ?? 'unknown',
      status: live ? bankStatus(live) : 'unknown',
      health: live?.health ?? 'unknown',
      queueSize: live?.queueSize ?? null,
      manualIntervention: live?.manualIntervention?.reason ?? null,
      lastError: live && (live.breaker !== 'closed' || live.health !== 'healthy') ? live.lastError : null,
      halfOpenAt: live?.breaker === 'open' ? live.breakerOpenUntil : null,
      lastUpload: uploads.get(bank.bank_code) ?? null,
      nextRun,
      cutoff: bank.cutoff_time,
      cutoffInMinutes: Math.floor((taipeiInstant(today, bank.cutoff_time).getTime() - now.getTime()) / 60_000),
    };
  });
  const chart: ChartDay[] = (week.banks[0]?.days ?? []).map((d, i) => {
    let total = 0;
    let ok = 0;
    let failed = 0;
    for (const bank of week.banks) {
      const day = bank.days[i];
      total += day?.transfers.total ?? 0;
      ok += day?.transfers.succeeded ?? 0;
      failed += day?.transfers.failed ?? 0;
    }
    return { date: d.date, transfers: total, failed, successRate: total > 0 ? ok / total : null };
  });
  return {
    now,
    today,
    tiles,
    batches,
    exceptions: exceptions.items,
    retryQueue: retry.items,
    decisions,
    reconciliation: ctx.banks.map(
      (b) =>
        reconciliation.find((r) => r.bank_code === b.bank_code) ?? {
          bank_code: b.bank_code,
          files: 0,
          settled: 0,
          returned: 0,
          unmatched: 0,
        },
    ),
    chart,
    calendarWarnings: snapshot.calendarWarnings,
  };
}

export type PageData = Awaited<ReturnType<typeof loadPageData>>;
