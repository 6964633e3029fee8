/**
 * Monitor API under load, on PostgreSQL with 1,000,000 transactions and 200,000 transfers over a year:
 * p99 of GET /dashboard?days=7 and GET /transfer-history at 50 concurrent connections (autocannon), and
 * /health requests per second. Targets: p99 < 50 ms, /health > 5,000 req/s.
 *
 *   npx tsx bench/api.ts        (needs PostgreSQL on 127.0.0.1:5432; BENCH_DATABASE_URL overrides the server)
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { connectDatabase } from '../src/infra/db/connect.ts';
import { migrateToLatest } from '../src/infra/db/migrate.ts';
import { createApiToken } from '../src/infra/db/repositories/api-tokens.ts';
import { serveHttp } from '../src/infra/runtime/http.ts';
import { createApp } from '../src/routes/create-app.ts';
import { fakePorts, TEST_BANKS } from '../src/routes/test-helpers.ts';

interface CannonResult {
  latency: { p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
// autocannon ships no type declarations
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: Record<string, unknown>,
) => Promise<CannonResult>;

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TRANSACTIONS = 1_000_000;
const TRANSFERS = 200_000;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function load(db: Awaited<ReturnType<typeof connectDatabase>>['db']) {
  const banks = sql.raw(`array[${TEST_BANKS.map((b) => `'${b.bank_code}'`).join(',')}]`);
  // one batch per bank and day for a year up to today (Taipei)
  await sql`insert into payment_batches (bank_code, value_date, batch_seq, batch_number, file_format, file_name, state,
              transaction_count, total_cents, created_at)
            select (${banks})[b], (now()::date - d), 1, upper((${banks})[b]) || to_char(now()::date - d, 'YYYYMMDD') || '0001',
                   'fixed_width', 'PAY_' || to_char(now()::date - d, 'YYYYMMDD') || '_0001.txt',
                   (array['confirmed','uploaded','failed','cutoff_missed'])[1 + (d % 17 = 0)::int + (d % 31 = 0)::int],
                   0, 0, (now()::date - d)::timestamptz + interval '6 hours'
              from generate_series(1, 5) b, generate_series(0, 364) d`.execute(db);
  await sql`insert into invoices (invoice_number, bank_code, direction, counterparty_name, counterparty_id_number,
              account_bank_code, account_branch_code, account_number, amount_cents, due_date, status)
            select 'INV' || i, (${banks})[1 + i % 5], 'debit', 'bench', 'A123456789', '017', '0077',
                   lpad(i::text, 12, '0'), 1000 + (i::bigint * 7919) % 500000, now()::date, 'batched'
              from generate_series(1, ${TRANSACTIONS}) i`.execute(db);
  await sql`insert into transactions (transaction_id, invoice_id, batch_id, seq, bank_code, direction, amount_cents,
              account_last4, status, return_code, return_reason, created_at)
            select 'TX' || i.id, i.id, pb.id, ((i.id / 5) / 365)::int + 1, i.bank_code,
                   'debit', i.amount_cents, right(i.account_number, 4),
                   (array['settled','settled','settled','settled','settled','settled','sent','returned','failed','pending'])[1 + i.id % 10],
                   case when i.id % 10 = 7 then (array['R01','R02','R03'])[1 + i.id % 3] end,
                   case when i.id % 10 = 7 then '餘額不足' end,
                   pb.created_at + (i.id % 3600) * interval '1 second'
              from invoices i
              join payment_batches pb on pb.bank_code = i.bank_code and pb.value_date = now()::date - ((i.id / 5)::int % 365)`.execute(
    db,
  );
  await sql`insert into transfers (bank_code, direction, remote_path, bytes, sha256, duration_ms, attempt, result, error,
              started_at)
            select (${banks})[1 + i % 5], (array['upload','download'])[1 + (i / 3) % 2]::text, '/incoming/payments/F' || i,
                   4096 + i % 100000, md5(i::text) || md5((i + 1)::text), 50 + (i * 31) % 2000, 1,
                   (array['success','success','success','success','success','success','success','success','already_done','failure'])[1 + (i / 7) % 10],
                   case when (i / 7) % 10 = 9 then 'connect ECONNREFUSED' end,
                   now() - (i * (365.0 * 86400 / ${TRANSFERS})) * interval '1 second'
              from generate_series(1, ${TRANSFERS}) i`.execute(db);
  await sql`analyze`.execute(db);
}

interface Result {
  p99: number;
  rps: number;
  errors: number;
}

async function measure(url: string, token: string): Promise<Result> {
  const run = (duration: number) =>
    // the load generator runs in a worker thread so it does not share the server's event loop
    autocannon({ url, connections: 50, duration, workers: 1, headers: { authorization: `Bearer ${token}` } });
  await run(2); // warm-up: JIT, pool connections, caches
  const r = await run(DURATION_S);
  return { p99: r.latency.p99, rps: r.requests.average, errors: r.non2xx + r.errors + r.timeouts };
}

export async function run(): Promise<void> {
  const name = `bench_api_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const database = await connectDatabase({ url: url.toString(), poolMax: 20 });
  const servers: Array<{ close(): Promise<void> }> = [];
  try {
    await migrateToLatest(database.db);
    const started = performance.now();
    await load(database.db);
    const counts = await sql<{ tx: number; tr: number }>`
      select (select count(*) from transactions) as tx, (select count(*) from transfers) as tr`.execute(database.db);
    console.log(`bench-api load: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`bench-api transactions: ${counts.rows[0]?.tx} rows`);
    console.log(`bench-api transfers: ${counts.rows[0]?.tr} rows`);

    const { token } = await createApiToken(database.db, { name: 'bench', role: 'viewer' });
    const ports = fakePorts();
    ports.state = {
      ...ports.state,
      banks: ports.state.banks.map((b) => ({ ...b, breaker: 'closed', health: 'healthy' })),
    };
    const monitor = { banks: TEST_BANKS, ports };
    const cached = createApp({ db: database.db, dbKind: 'postgres', monitor });
    const uncached = createApp({ db: database.db, dbKind: 'postgres', monitor, dashboardCacheMs: 0 });
    const a = await serveHttp(cached.fetch, { port: 0, host: '127.0.0.1' });
    const b = await serveHttp(uncached.fetch, { port: 0, host: '127.0.0.1' });
    servers.push(a, b);
    const base = `http://127.0.0.1:${a.port}/api/v1/banking-monitor`;
    const baseUncached = `http://127.0.0.1:${b.port}/api/v1/banking-monitor`;

    const figures: Array<[string, string, Result]> = [
      ['dashboard', `${base}/dashboard?days=7`, await measure(`${base}/dashboard?days=7`, token)],
      ['dashboard uncached', '', await measure(`${baseUncached}/dashboard?days=7`, token)],
      ['transfer-history', '', await measure(`${base}/transfer-history?limit=50`, token)],
      [
        'transfer-history filtered',
        '',
        await measure(`${base}/transfer-history?bank_code=ctbc&direction=upload&status=failure&limit=50`, token),
      ],
      ['health', '', await measure(`${base}/health`, token)],
    ];
    for (const [label, , r] of figures) {
      console.log(`api ${label} p99 (50 connections): ${r.p99} ms`);
      console.log(`api ${label} throughput: ${Math.round(r.rps)} req/s`);
      if (r.errors > 0) console.log(`api ${label} errors: ${r.errors} responses`);
    }
    const dashboard = figures[0]![2];
    const history = figures[2]![2];
    const health = figures[4]![2];
    console.log(`ratio dashboard p99 / 50 ms target: ${(dashboard.p99 / 50).toFixed(2)}`);
    console.log(`ratio transfer-history p99 / 50 ms target: ${(history.p99 / 50).toFixed(2)}`);
    console.log(`ratio health req/s / 5000 target: ${(health.rps / 5000).toFixed(2)}`);
  } finally {
    for (const s of servers) await s.close();
    await database.close();
    await admin(`drop database if exists ${name} with (force)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
