/**
 * Read side of `GET /dashboard` and the operations page: per bank and Asia/Taipei day, batches by state,
 * transactions and amounts by status, returns by reason, exceptions, transfer success and latency.
 * Transactions come from `monitor_transaction_daily` (kept by triggers, migration 0003), never a scan.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

export interface DayRange {
  /** First Taipei day, inclusive. */
  from: string;
  /** Last Taipei day, inclusive. */
  to: string;
}

export interface BankDay {
  date: string;
  batches: Array<{ state: string; count: number; total_cents: number }>;
  transactions: Array<{ status: string; count: number; amount_cents: number }>;
  returns_by_reason: Array<{ code: string; count: number; amount_cents: number }>;
  exceptions: { opened: number; still_open: number };
  transfers: {
    total: number;
    succeeded: number;
    failed: number;
    success_rate: number | null;
    latency_ms: { p50: number; p95: number; p99: number } | null;
  };
}

export interface BankDays {
  bank_code: string;
  days: BankDay[];
}

/** `to` and the days before it, `days` in all, as Taipei days. */
export function dayRange(to: string, days: number): DayRange {
  const end = new Date(`${to}T00:00:00Z`);
  const start = new Date(end.getTime() - (days - 1) * 86_400_000);
  return { from: start.toISOString().slice(0, 10), to };
}

export function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

const startOf = (day: string) => new Date(`${day}T00:00:00+08:00`);
const endOf = (day: string) => new Date(startOf(day).getTime() + 86_400_000);

interface TxRow {
  day: string;
  bank_code: string;
  status: string;
  return_code: string;
  tx_count: number;
  amount_cents: number;
}

export async function dashboardByBankDay(
  db: Kysely<Database>,
  range: DayRange,
  bankCodes: readonly string[],
): Promise<BankDays[]> {
  const since = startOf(range.from);
  const until = endOf(range.to);
  const [tx, batches, exceptions, transfers] = await Promise.all([
    sql<TxRow>`select day, bank_code, status, return_code, tx_count, amount_cents
                 from monitor_transaction_daily
                where day between ${range.from} and ${range.to} and tx_count <> 0`.execute(db),
    sql<{ day: string; bank_code: string; state: string; count: number; total_cents: number }>`
      select value_date as day, bank_code, state, count(*) as count, sum(total_cents)::bigint as total_cents
        from payment_batches where value_date between ${range.from} and ${range.to}
       group by 1, 2, 3`.execute(db),
    sql<{ day: string; bank_code: string; opened: number; still_open: number }>`
      select (created_at at time zone 'Asia/Taipei')::date as day, bank_code, count(*) as opened,
             count(*) filter (where status = 'open') as still_open
        from exceptions where created_at >= ${since} and created_at < ${until}
       group by 1, 2`.execute(db),
    sql<{
      day: string;
      bank_code: string;
      total: number;
      succeeded: number;
      failed: number;
      p50: number | null;
      p95: number | null;
      p99: number | null;
    }>`
      select (started_at at time zone 'Asia/Taipei')::date as day, bank_code, count(*) as total,
             count(*) filter (where result <> 'failure') as succeeded,
             count(*) filter (where result = 'failure') as failed,
             percentile_cont(0.5) within group (order by duration_ms) as p50,
             percentile_cont(0.95) within group (order by duration_ms) as p95,
             percentile_cont(0.99) within group (order by duration_ms) as p99
        from transfers where started_at >= ${since} and started_at < ${until}
       group by 1, 2`.execute(db),
  ]);

  const days = daysOf(range);
  const byKey = new Map<string, BankDay>();
  const result: BankDays[] = bankCodes.map((bank_code) => ({
    bank_code,
    days: days.map((date) => {
      const day: BankDay = {
        date,
        batches: [],
        transactions: [],
        returns_by_reason: [],
        exceptions: { opened: 0, still_open: 0 },
        transfers: { total: 0, succeeded: 0, failed: 0, success_rate: null, latency_ms: null },
      };
      byKey.set(`${bank_code}|${date}`, day);
      return day;
    }),
  }));
  const at = (bank: string, day: string) => byKey.get(`${bank}|${day}`);

  for (const r of tx.rows) {
    const day = at(r.bank_code, r.day);
    if (!day) continue;
    const status = day.transactions.find((s) => s.status === r.status);
    if (status) {
      status.count += r.tx_count;
      status.amount_cents += r.amount_cents;
    } else {
      day.transactions.push({ status: r.status, count: r.tx_count, amount_cents: r.amount_cents });
    }
    if (r.status === 'returned') {
      day.returns_by_reason.push({ code: r.return_code || 'unknown', count: r.tx_count, amount_cents: r.amount_cents });
    }
  }
  for (const r of batches.rows) {
    at(r.bank_code, r.day)?.batches.push({ state: r.state, count: r.count, total_cents: r.total_cents });
  }
  for (const r of exceptions.rows) {
    const day = at(r.bank_code, r.day);
    if (day) day.exceptions = { opened: r.opened, still_open: r.still_open };
  }
  for (const r of transfers.rows) {
    const day = at(r.bank_code, r.day);
    if (!day) continue;
    day.transfers = {
      total: r.total,
      succeeded: r.succeeded,
      failed: r.failed,
      success_rate: r.total > 0 ? Math.round((r.succeeded / r.total) * 10_000) / 10_000 : null,
      latency_ms:
        r.p50 === null || r.p95 === null || r.p99 === null
          ? null
          : { p50: Math.round(r.p50), p95: Math.round(r.p95), p99: Math.round(r.p99) },
    };
  }
  for (const bank of result) {
    for (const day of bank.days) {
      day.transactions.sort((a, b) => a.status.localeCompare(b.status));
      day.returns_by_reason.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
      day.batches.sort((a, b) => a.state.localeCompare(b.state));
    }
  }
  return result;
}
