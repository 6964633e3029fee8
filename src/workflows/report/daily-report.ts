/**
 * REPORT.DAILY (19:00 on business days): per bank, files sent and received, transactions and amounts by status,
 * returns by reason, exceptions, retries and breaker incidents for one Asia/Taipei business day. Stored in
 * `daily_reports` (one per day; a re-run replaces it) and sent as plain text + HTML. Every figure is a query
 * over the ledger, so the report can always be checked against the database.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../infra/db/schema.ts';

export interface BankDay {
  bank_code: string;
  files_sent: number;
  files_received: number;
  files_quarantined: number;
  batches: number;
  transactions: Record<string, { count: number; amount_cents: number }>;
  returns_by_reason: Record<string, number>;
  exceptions_opened: number;
  exceptions_open: number;
  upload_failures: number;
  retry_queue_open: number;
  breaker_incidents: number;
}

export interface DailyReport {
  business_date: string;
  banks: BankDay[];
  totals: { transactions: number; amount_cents: number; settled_cents: number; returned_cents: number };
}

const taipeiDay = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'Asia/Taipei', 'YYYY-MM-DD')`;

export async function buildDailyReport(
  db: Kysely<Database>,
  businessDate: string,
  bankCodes: string[],
): Promise<DailyReport> {
  const banks: BankDay[] = [];
  for (const bank of bankCodes) {
    const count = async (q: Promise<{ n: number | string } | undefined>) => Number((await q)?.n ?? 0);
    const filesSent = await count(
      db
        .selectFrom('transfers')
        .select((eb) => eb.fn.count<number>('batch_id').distinct().as('n'))
        .where('bank_code', '=', bank)
        .where('direction', '=', 'upload')
        .where('result', 'in', ['success', 'already_done'])
        .where(taipeiDay('started_at'), '=', businessDate)
        .executeTakeFirst(),
    );
    const received = await db
      .selectFrom('reconciliation_files')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('bank_code', '=', bank)
      .where(taipeiDay('received_at'), '=', businessDate)
      .groupBy('status')
      .execute();
    const batches = await count(
      db
        .selectFrom('payment_batches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('bank_code', '=', bank)
        .where('value_date', '=', businessDate)
        .executeTakeFirst(),
    );
    const byStatus = await db
      .selectFrom('transactions as t')
      .innerJoin('payment_batches as b', 'b.id', 't.batch_id')
      .select([
        't.status',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.sum<number>('t.amount_cents').as('cents'),
      ])
      .where('t.bank_code', '=', bank)
      .where('b.value_date', '=', businessDate)
      .groupBy('t.status')
      .execute();
    const returns = await db
      .selectFrom('transactions as t')
      .innerJoin('payment_batches as b', 'b.id', 't.batch_id')
      .select([sql<string>`coalesce(t.return_code, '?')`.as('code'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('t.bank_code', '=', bank)
      .where('b.value_date', '=', businessDate)
      .where('t.status', '=', 'returned')
      .groupBy(sql`coalesce(t.return_code, '?')`)
      .execute();
    const exceptionsOpened = await count(
      db
        .selectFrom('exceptions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('bank_code', '=', bank)
        .where(taipeiDay('created_at'), '=', businessDate)
        .executeTakeFirst(),
    );
    const exceptionsOpen = await count(
      db
        .selectFrom('exceptions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('bank_code', '=', bank)
        .where('status', '=', 'open')
        .executeTakeFirst(),
    );
    const uploadFailures = await count(
      db
        .selectFrom('transfers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('bank_code', '=', bank)
        .where('result', '=', 'failure')
        .where(taipeiDay('started_at'), '=', businessDate)
        .executeTakeFirst(),
    );
    const retryOpen = await count(
      db
        .selectFrom('retry_queue')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('bank_code', '=', bank)
        .where('status', 'in', ['pending', 'in_progress', 'manual_intervention'])
        .executeTakeFirst(),
    );
    const breakerIncidents = await count(
      db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('action', '=', 'breaker.open')
        .where('target', '=', bank)
        .where(taipeiDay('at'), '=', businessDate)
        .executeTakeFirst(),
    );
    banks.push({
      bank_code: bank,
      files_sent: filesSent,
      files_received: received.reduce((s, r) => s + Number(r.n), 0),
      files_quarantined: Number(received.find((r) => r.status === 'quarantined')?.n ?? 0),
      batches,
      transactions: Object.fromEntries(
        byStatus.map((r) => [r.status, { count: Number(r.n), amount_cents: Number(r.cents ?? 0) }]),
      ),
      returns_by_reason: Object.fromEntries(returns.map((r) => [r.code, Number(r.n)])),
      exceptions_opened: exceptionsOpened,
      exceptions_open: exceptionsOpen,
      upload_failures: uploadFailures,
      retry_queue_open: retryOpen,
      breaker_incidents: breakerIncidents,
    });
  }
  const all = banks.flatMap((b) => Object.entries(b.transactions));
  return {
    business_date: businessDate,
    banks,
    totals: {
      transactions: all.reduce((s, [, v]) => s + v.count, 0),
      amount_cents: all.reduce((s, [, v]) => s + v.amount_cents, 0),
      settled_cents: all.filter(([k]) => k === 'settled').reduce((s, [, v]) => s + v.amount_cents, 0),
      returned_cents: all.filter(([k]) => k === 'returned').reduce((s, [, v]) => s + v.amount_cents, 0),
    },
  };
}

/** NT$ with two decimals from integer cents, without floating point. */
export function formatTwd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.trunc(abs / 100).toLocaleString('en-US');
  return `${sign}NT$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function renderReportText(report: DailyReport): string {
  const lines = [`banking-sftp daily report for ${report.business_date} (Asia/Taipei)`, ''];
  for (const b of report.banks) {
    lines.push(
      `[${b.bank_code}] files sent ${b.files_sent}, received ${b.files_received} (quarantined ${b.files_quarantined}), batches ${b.batches}`,
    );
    for (const [status, v] of Object.entries(b.transactions)) {
      lines.push(`  ${status.padEnd(10)} ${String(v.count).padStart(6)}  ${formatTwd(v.amount_cents)}`);
    }
    const reasons = Object.entries(b.returns_by_reason);
    if (reasons.length) lines.push(`  returns by reason: ${reasons.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    lines.push(
      `  exceptions opened ${b.exceptions_opened} (open now ${b.exceptions_open}), upload failures ${b.upload_failures}, retry queue ${b.retry_queue_open}, breaker incidents ${b.breaker_incidents}`,
    );
  }
  lines.push(
    '',
    `total: ${report.totals.transactions} transactions, ${formatTwd(report.totals.amount_cents)}; settled ${formatTwd(report.totals.settled_cents)}, returned ${formatTwd(report.totals.returned_cents)}`,
  );
  return lines.join('\n');
}

export function renderReportHtml(report: DailyReport): string {
  const rows = report.banks
    .map((b) => {
      const tx = Object.entries(b.transactions)
        .map(([k, v]) => `${escapeHtml(k)}: ${v.count} (${formatTwd(v.amount_cents)})`)
        .join('<br>');
      const reasons = Object.entries(b.returns_by_reason)
        .map(([k, v]) => `${escapeHtml(k)}=${v}`)
        .join(', ');
      return `<tr><td>${escapeHtml(b.bank_code)}</td><td>${b.files_sent}</td><td>${b.files_received}</td><td>${tx}</td><td>${reasons}</td><td>${b.exceptions_opened}</td><td>${b.upload_failures}</td><td>${b.breaker_incidents}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><body><h1>Daily report ${escapeHtml(report.business_date)}</h1>
<table border="1" cellpadding="4"><tr><th>bank</th><th>sent</th><th>received</th><th>transactions</th><th>returns</th><th>exceptions</th><th>upload failures</th><th>breaker incidents</th></tr>
${rows}
</table><p>Total ${report.totals.transactions} transactions, ${formatTwd(report.totals.amount_cents)}.</p></body></html>`;
}

export async function storeDailyReport(db: Kysely<Database>, report: DailyReport): Promise<void> {
  const text = renderReportText(report);
  const html = renderReportHtml(report);
  await db
    .insertInto('daily_reports')
    .values({ business_date: report.business_date, summary: JSON.stringify(report), text_body: text, html_body: html })
    .onConflict((oc) =>
      oc.column('business_date').doUpdateSet({ summary: JSON.stringify(report), text_body: text, html_body: html }),
    )
    .execute();
}
