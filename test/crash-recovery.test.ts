/**
 * Crash recovery: the service is SIGKILLed at 10 different points of a payment run (from the run's first row
 * to the middle of an upload), then started again. Afterwards every bank holds exactly one copy of each batch
 * file, byte-identical to the ledger, and every invoice is in exactly one live transaction: none paid twice,
 * none forgotten. Needs a real PostgreSQL (TEST_DATABASE_URL): an embedded PGlite data directory killed
 * mid-write is not a crash model this system promises to survive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { taipeiDate } from '../src/domain/taipei-time.ts';
import type { Database } from '../src/infra/db/schema.ts';
import { seedDemo } from '../src/infra/db/seed-demo.ts';
import { openTestDatabase, TEST_DATABASE_URL } from './support/db.ts';
import { buildTestConfig } from './support/test-config.ts';

const START = '2026-11-26T07:00:00+08:00';
type Db = Kysely<Database>;

async function count(db: Db, sqlText: 'runs' | 'batches' | 'encrypted' | 'uploading' | 'transfers' | 'uploaded') {
  const q = {
    runs: db.selectFrom('payment_runs').select((eb) => eb.fn.countAll<number>().as('n')),
    batches: db.selectFrom('payment_batches').select((eb) => eb.fn.countAll<number>().as('n')),
    encrypted: db
      .selectFrom('payment_batches')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', 'in', ['encrypted', 'uploading', 'uploaded']),
    uploading: db
      .selectFrom('payment_batches')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'uploading'),
    transfers: db.selectFrom('transfers').select((eb) => eb.fn.countAll<number>().as('n')),
    uploaded: db
      .selectFrom('payment_batches')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'uploaded'),
  }[sqlText];
  return Number((await q.executeTakeFirst())?.n ?? 0);
}

function partFileExists(sandboxDir: string): boolean {
  for (const bank of ['mega', 'ctbc', 'esun', 'first', 'taishin']) {
    try {
      if (readdirSync(join(sandboxDir, bank, 'incoming/payments')).some((f) => f.endsWith('.part'))) return true;
    } catch {}
  }
  return false;
}

const POINTS: Array<[string, (db: Db, sandboxDir: string) => Promise<boolean>]> = [
  ['the run is recorded', async (db) => (await count(db, 'runs')) >= 1],
  ['the first batch is built', async (db) => (await count(db, 'batches')) >= 1],
  ['three batches are built', async (db) => (await count(db, 'batches')) >= 3],
  ['every batch is built', async (db) => (await count(db, 'batches')) >= 5],
  ['a batch is encrypted', async (db) => (await count(db, 'encrypted')) >= 1],
  ['a batch is uploading', async (db) => (await count(db, 'uploading')) >= 1],
  ['a temp file is being written at a bank', async (_db, dir) => partFileExists(dir)],
  ['the first transfer is recorded', async (db) => (await count(db, 'transfers')) >= 1],
  ['two batches are uploaded', async (db) => (await count(db, 'uploaded')) >= 2],
  ['four batches are uploaded', async (db) => (await count(db, 'uploaded')) >= 4],
];

function startChild(configPath: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-child.ts', configPath, START], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

describe.skipIf(!TEST_DATABASE_URL)('crash recovery of a payment run (PostgreSQL)', () => {
  it.each(POINTS.map(([name, check], i) => [i + 1, name, check] as const))(
    'killed at point %i (%s): one copy of each file at the bank, every invoice in exactly one batch',
    async (_n, _name, check) => {
      const dir = mkdtempSync(join(tmpdir(), 'banking-crash-'));
      const database = await openTestDatabase();
      const db = database.db;
      try {
        const raw = await buildTestConfig({
          dataDir: dir,
          databaseUrl: database.url!,
          overrides: {
            sandbox: { enabled: true, dir: join(dir, 'sandbox'), reconciliation_delay_seconds: 3600, return_share: 0 },
            sftp: {
              pool_max: 2,
              connect_timeout_ms: 5000,
              keepalive_ms: 30000,
              idle_check_ms: 60000,
              operation_timeout_ms: 20000,
              stability_interval_ms: 0,
            },
            demo_data: false,
          },
        });
        const configPath = join(dir, 'banking.json');
        writeFileSync(configPath, JSON.stringify(raw));
        await seedDemo(db, {
          dueDate: taipeiDate(new Date(START)),
          bankCodes: ['mega', 'ctbc', 'esun', 'first', 'taishin'],
        });

        const first = startChild(configPath);
        await waitFor(() => check(db, join(dir, 'sandbox')), 60_000, 'the kill point');
        first.kill('SIGKILL');
        await exited(first);
        // let the dead process's heartbeat go stale (the child declares a run abandoned after 1 s)
        await new Promise((r) => setTimeout(r, 1_500));

        const second = startChild(configPath);
        let stderr = '';
        second.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        await waitFor(
          async () => {
            const pending = await db.selectFrom('invoices').select('id').where('status', '=', 'pending').execute();
            const open = await db.selectFrom('payment_batches').select('id').where('state', '!=', 'uploaded').execute();
            return pending.length === 0 && open.length === 0 && (await count(db, 'batches')) > 0;
          },
          60_000,
          'every batch uploaded after the restart',
        ).catch((error) => {
          throw new Error(`${(error as Error).message}\n${stderr}`);
        });
        second.kill('SIGTERM');
        await exited(second);

        const batches = await db.selectFrom('payment_batches').selectAll().execute();
        for (const bank of ['mega', 'ctbc', 'esun', 'first', 'taishin']) {
          const ledger = batches.filter((b) => b.bank_code === bank);
          const uploadDir = join(dir, 'sandbox', bank, 'incoming/payments');
          const atBank = readdirSync(uploadDir).filter((f) => !f.startsWith('.'));
          expect(atBank.sort()).toEqual(ledger.map((b) => b.file_name).sort());
          for (const b of ledger) {
            const sha = createHash('sha256')
              .update(readFileSync(join(uploadDir, b.file_name)))
              .digest('hex');
            expect(sha).toBe(b.ciphertext_sha256);
          }
        }
        const live = await db
          .selectFrom('transactions')
          .select(['invoice_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('status', 'not in', ['failed', 'cancelled'])
          .groupBy('invoice_id')
          .execute();
        const payable = await db.selectFrom('invoices').select('id').where('status', '!=', 'set_aside').execute();
        expect(live.map((l) => Number(l.n)).every((n) => n === 1)).toBe(true);
        expect(live.map((l) => l.invoice_id).sort()).toEqual(payable.map((p) => p.id).sort());
      } finally {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
