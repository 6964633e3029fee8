/**
 * Fault: PostgreSQL crashes and restarts (pg_ctl restart -m immediate: no checkpoint, WAL replay) while a
 * reconciliation file is being applied. The whole system runs on simulated time against a private cluster
 * (test/support/private-postgres.ts; the shared server is never restarted): the 06:00 run uploads to the sandbox
 * banks, which answer with reconciliation files. A test-only trigger holds the apply transaction of the first
 * record open (pg_sleep) so the crash lands inside it; then the poll fails, the bank actor retries it, and the
 * file is applied exactly once: one file row, one record row per line, one status change per transaction, the
 * batch confirmed; and the service survives the crash (an uncaught pg client error would fail this file).
 * Needs root or the postgres binaries (runs its own server); independent of TEST_DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/infra/config/load.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/infra/db/connect.ts';
import { migrateToLatest } from '../../src/infra/db/migrate.ts';
import { seedDemo } from '../../src/infra/db/seed-demo.ts';
import { createLogger } from '../../src/infra/telemetry/logger.ts';
import { type Simulation, startSimulation } from '../../src/workflows/simulation.ts';
import { type PrivatePostgres, postgresBinDir, startPrivatePostgres } from '../support/private-postgres.ts';
import { taipei } from '../support/system-harness.ts';
import { buildTestConfig, TEST_SFTP_SETTINGS } from '../support/test-config.ts';

const DAY = '2026-11-26';
const BANK = 'mega';

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgresBinDir())('PostgreSQL restarted during a reconciliation', () => {
  let server: PrivatePostgres;
  let database: DatabaseHandle;
  let sim: Simulation;
  let dir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    server = await startPrivatePostgres();
    dir = mkdtempSync(join(tmpdir(), 'banking-pgrestart-'));
    database = await connectDatabase({ url: server.url, poolMax: 10 });
    await migrateToLatest(database.db);
    const config = parseConfig(
      await buildTestConfig({
        dataDir: dir,
        databaseUrl: server.url,
        overrides: {
          sftp: TEST_SFTP_SETTINGS,
          sandbox: { enabled: true, dir: join(dir, 'sandbox'), reconciliation_delay_seconds: 60, return_share: 0.2 },
          demo_data: false,
        },
      }),
      'test config',
    );
    await seedDemo(database.db, { dueDate: DAY, bankCodes: config.banks.map((b) => b.bank_code) });
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, callback) {
          logLines.push(chunk.toString());
          callback();
        },
      }),
    });
    sim = await startSimulation({ config, database, logger, start: taipei(DAY, '05:55'), instanceId: 'pg-restart' });
  });

  afterAll(async () => {
    await sim?.stop();
    await database?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the file held mid-transaction by the crash is applied exactly once after recovery', async () => {
    const db = database.db;
    // the morning run, and the banks' answers waiting in their download paths
    await sim.advanceTo(taipei(DAY, '07:55'));
    const sent = await db
      .selectFrom('transactions')
      .select(['id', 'status'])
      .where('bank_code', '=', BANK)
      .where('status', '=', 'sent')
      .execute();
    expect(sent.length).toBeGreaterThan(0);

    // Test-only fault: the first record insert of any apply transaction sleeps, so the crash hits it mid-way.
    // A sequence, not a table flag: nextval survives the rollback that the crash causes.
    await admin(server.url, async (c) => {
      await c.query('create sequence fault_once');
      await c.query(`create function fault_hold() returns trigger language plpgsql as $$
        begin if nextval('fault_once') = 1 then perform pg_sleep(120); end if; return new; end $$`);
      await c.query(`create trigger fault_hold before insert on reconciliation_records
        for each row execute function fault_hold()`);
    });

    // the 08:00 poll of this one bank (the clock's tick, routed now so the sleep can be observed)
    await sim.ops.system.route({
      key: 'RECONCILIATION.POLL:fault',
      event: 'RECONCILIATION.POLL',
      scheduledAt: taipei(DAY, '07:55'),
      businessDate: DAY,
      catchUp: false,
      bankCode: BANK,
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const held = await admin(server.url, (c) =>
        c.query(`select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep'`),
      );
      if (held.rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error(`the apply transaction never started:\n${logLines.join('')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // nothing of the file is visible yet: the transaction is open
    await server.restart('immediate');
    await admin(server.url, (c) => c.query('drop trigger fault_hold on reconciliation_records'));
    // the poll in flight lost its transaction (the actor retries it, at once or after a backoff)
    const failed = () =>
      logLines.filter(
        (l) =>
          l.includes('bank work failed') && /terminat|ECONNRE|shut|connection error|Connection terminated/i.test(l),
      );
    for (let i = 0; i < 200 && failed().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(failed().length, logLines.join('').slice(-4000)).toBeGreaterThan(0);

    // time moves on: the actor's retry and the scheduled polls run against the recovered server
    await sim.advanceTo(taipei(DAY, '09:05'));

    const files = await db.selectFrom('reconciliation_files').selectAll().where('bank_code', '=', BANK).execute();
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.status === 'applied')).toBe(true);
    expect(new Set(files.map((f) => f.remote_name)).size).toBe(files.length);
    for (const file of files) {
      const records = await db
        .selectFrom('reconciliation_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('file_id', '=', file.id)
        .executeTakeFirstOrThrow();
      expect(Number(records.n)).toBe(file.record_count);
    }
    // one answer per transaction sent: each moved once from sent to settled or returned
    const changes = await sql<{ transaction_id: number; n: number }>`
      select h.transaction_id, count(*)::int as n from transaction_status_history h
      join transactions t on t.id = h.transaction_id
      where t.bank_code = ${BANK} and h.from_status = 'sent' group by h.transaction_id`.execute(db);
    expect(changes.rows.map((r) => r.transaction_id).sort((a, b) => a - b)).toEqual(
      sent.map((t) => t.id).sort((a, b) => a - b),
    );
    expect(changes.rows.every((r) => r.n === 1)).toBe(true);
    const after = await db.selectFrom('transactions').select('status').where('bank_code', '=', BANK).execute();
    expect(after.every((t) => t.status === 'settled' || t.status === 'returned')).toBe(true);
    const batch = await db
      .selectFrom('payment_batches')
      .select('state')
      .where('bank_code', '=', BANK)
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('confirmed');
    // the exceptions raised for mismatches are not doubled either
    const duplicates = await sql<{ n: number }>`
      select count(*)::int as n from (select kind, ref from exceptions where bank_code = ${BANK}
      group by kind, ref having count(*) > 1) d`.execute(db);
    expect(duplicates.rows[0]!.n).toBe(0);
  });
});
