/**
 * Fault: the service is SIGKILLed at 20 random points of its morning payment runs and started again each time
 * (test/support/crash-child.ts: the whole service, sandbox banks included, on the real clock moved to 07:00 of
 * a business day, so the start-up catch-up runs the day's payments). A kill point is a seeded random milestone of
 * the run (06:00 tick claimed, run recorded, k-th batch built / encrypted / uploading, a temp file being written at a bank, k-th
 * transfer recorded, k-th batch uploaded) plus a random delay of up to 25 ms after it; successive kills hit the
 * same run until it completes, then the next business day is seeded and run. Afterwards, for every day:
 * - every bank holds exactly the files the ledger lists, no temp file, each byte-identical to the ledger's
 *   ciphertext SHA-256, and every successful upload transfer records that same SHA-256;
 * - every payable invoice is in exactly one live transaction, for its amount, and that transaction is `sent`.
 * The seed is printed; FAULT_SEED=<n> replays the same choice of milestones and delays (where each lands in
 * the run still depends on timing). Needs PostgreSQL (TEST_DATABASE_URL):
 * two processes share the database, which embedded PGlite cannot do.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/schema.ts';
import { seedDemo } from '../../src/infra/db/seed-demo.ts';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/db.ts';
import { buildTestConfig, TEST_SFTP_SETTINGS } from '../support/test-config.ts';

type Db = Kysely<Database>;
const BANKS = ['mega', 'ctbc', 'esun', 'first', 'taishin'];
const KILLS = 20;
// business days (no Taiwan holiday among them), one payment run each, as many as the kills need
const DAYS = [
  ...['2026-11-26', '2026-11-27', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'],
  ...['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11', '2026-12-14', '2026-12-15'],
];
const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: small, seedable, good enough to pick kill points. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Progress {
  claimed: number;
  runs: number;
  batches: number;
  encrypted: number;
  uploading: number;
  transfers: number;
  uploaded: number;
  partFile: number;
}

async function progress(db: Db, day: string, sandboxDir: string): Promise<Progress> {
  const row = await sql<Omit<Progress, 'partFile'>>`
    select
      (select count(*) from tick_dispatch where event = 'PAYMENTS.GENERATE'
         and scheduled_at = ${new Date(`${day}T06:00:00+08:00`)})::int as claimed,
      (select count(*) from payment_runs where value_date = ${day})::int as runs,
      (select count(*) from payment_batches where value_date = ${day})::int as batches,
      (select count(*) from payment_batches where value_date = ${day}
         and state in ('encrypted', 'uploading', 'uploaded'))::int as encrypted,
      (select count(*) from payment_batches where value_date = ${day} and state in ('uploading', 'uploaded'))::int
         as uploading,
      (select count(*) from transfers t join payment_batches b on b.id = t.batch_id
         where b.value_date = ${day} and t.direction = 'upload' and t.result in ('success', 'already_done'))::int
         as transfers,
      (select count(*) from payment_batches where value_date = ${day} and state = 'uploaded')::int as uploaded
  `.execute(db);
  const partFile = BANKS.some((bank) => {
    try {
      return readdirSync(join(sandboxDir, bank, 'incoming/payments')).some((f) => f.endsWith('.part'));
    } catch {
      return false;
    }
  });
  return { ...row.rows[0]!, partFile: partFile ? 1 : 0 };
}

/** The milestones of one day's run: a counter reaching a threshold (five banks, one batch each). */
const MILESTONES: Array<{ what: string; key: keyof Progress; at: number }> = [
  { what: 'the 06:00 tick is claimed', key: 'claimed', at: 1 },
  { what: 'the run is recorded', key: 'runs', at: 1 },
  ...[1, 2, 3, 4, 5].map((k) => ({ what: `${k} batch(es) built`, key: 'batches' as const, at: k })),
  ...[1, 3, 5].map((k) => ({ what: `${k} batch(es) encrypted`, key: 'encrypted' as const, at: k })),
  ...[1, 2, 4].map((k) => ({ what: `${k} batch(es) uploading`, key: 'uploading' as const, at: k })),
  { what: 'a temp file is being written at a bank', key: 'partFile', at: 1 },
  ...[1, 2, 4].map((k) => ({ what: `${k} upload transfer(s) recorded`, key: 'transfers' as const, at: k })),
  ...[1, 3, 4].map((k) => ({ what: `${k} batch(es) uploaded`, key: 'uploaded' as const, at: k })),
];

const complete = (p: Progress) => p.uploaded === BANKS.length;

function startChild(configPath: string, startIso: string): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-child.ts', configPath, startIso], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8000);
  });
  return { child, log: () => stderr };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

/**
 * The dead process's run heartbeat (or its tick claim, when it died before recording the run) must be stale
 * (over 1 s, crash-child's setting) for the next process to take the run over at start.
 */
async function waitForStaleHeartbeat(db: Db) {
  for (;;) {
    const fresh = await sql<{ n: number }>`
      select (select count(*) from payment_runs
        where status = 'running' and coalesce(heartbeat_at, started_at) > now() - interval '1.2 seconds')::int
        + (select count(*) from tick_dispatch where event = 'PAYMENTS.GENERATE'
        and dispatched_at > now() - interval '1.2 seconds')::int as n`.execute(db);
    if (fresh.rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!TEST_DATABASE_URL)('payment runs SIGKILLed at 20 random points (PostgreSQL)', () => {
  let dir: string;
  let database: TestDatabase;
  let configPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'banking-kill-'));
    database = await openTestDatabase();
    const raw = await buildTestConfig({
      dataDir: dir,
      databaseUrl: database.url!,
      overrides: {
        sandbox: { enabled: true, dir: join(dir, 'sandbox'), reconciliation_delay_seconds: 3600, return_share: 0 },
        sftp: TEST_SFTP_SETTINGS,
        demo_data: false,
      },
    });
    configPath = join(dir, 'banking.json');
    writeFileSync(configPath, JSON.stringify(raw));
  });

  afterAll(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('no payment duplicated or lost, every file at the bank matches the ledger', async () => {
    const random = prng(SEED);
    console.log(`payment-run kill test: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
    const db = database.db;
    const sandboxDir = join(dir, 'sandbox');
    const kills: string[] = [];
    const daysRun: string[] = [];

    for (const day of DAYS) {
      if (kills.length >= KILLS) break;
      daysRun.push(day);
      await seedDemo(db, { dueDate: day, bankCodes: BANKS, perBank: 24 });
      const startIso = `${day}T07:00:00+08:00`;
      let running = startChild(configPath, startIso);
      for (;;) {
        const now = await progress(db, day, sandboxDir);
        if (complete(now) || kills.length >= KILLS) break;
        const ahead = MILESTONES.filter((m) => now[m.key] < m.at);
        if (ahead.length === 0) break;
        const target = ahead[Math.floor(random() * ahead.length)]!;
        const jitterMs = Math.floor(random() * 25);
        const deadline = Date.now() + 60_000;
        let reached = false;
        for (;;) {
          const p = await progress(db, day, sandboxDir);
          if (p[target.key] >= target.at) {
            reached = true;
            break;
          }
          if (complete(p)) break;
          if (running.child.exitCode !== null) throw new Error(`service exited:\n${running.log()}`);
          if (Date.now() > deadline) throw new Error(`${day}: stuck before "${target.what}"\n${running.log()}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        if (!reached) break;
        await new Promise((r) => setTimeout(r, jitterMs));
        running.child.kill('SIGKILL');
        await exited(running.child);
        kills.push(`${day}: ${target.what} +${jitterMs} ms`);
        await waitForStaleHeartbeat(db);
        running = startChild(configPath, startIso);
      }
      // the last process runs the day to its end
      const deadline = Date.now() + 60_000;
      while (!complete(await progress(db, day, sandboxDir))) {
        if (running.child.exitCode !== null) throw new Error(`service exited:\n${running.log()}`);
        if (Date.now() > deadline) throw new Error(`${day}: not every batch uploaded\n${running.log()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      running.child.kill('SIGTERM');
      await exited(running.child);
    }
    console.log(`killed at:\n  ${kills.join('\n  ')}`);
    expect(kills.length).toBe(KILLS);

    const batches = await db.selectFrom('payment_batches').selectAll().execute();
    expect(new Set(batches.map((b) => b.value_date))).toEqual(new Set(daysRun));
    expect(batches.every((b) => b.state === 'uploaded')).toBe(true);
    const transfers = await db
      .selectFrom('transfers')
      .selectAll()
      .where('direction', '=', 'upload')
      .where('result', 'in', ['success', 'already_done'])
      .execute();
    for (const bank of BANKS) {
      const ledger = batches.filter((b) => b.bank_code === bank);
      const uploadDir = join(sandboxDir, bank, 'incoming/payments');
      const atBank = readdirSync(uploadDir);
      // exactly the ledger's files: nothing twice (names are unique per batch), nothing missing, no temp file
      expect(atBank.sort()).toEqual(ledger.map((b) => b.file_name).sort());
      for (const b of ledger) {
        const sha = createHash('sha256')
          .update(readFileSync(join(uploadDir, b.file_name)))
          .digest('hex');
        expect(sha).toBe(b.ciphertext_sha256);
        const recorded = transfers.filter((t) => t.batch_id === b.id);
        expect(recorded.length).toBeGreaterThanOrEqual(1);
        expect(recorded.every((t) => t.sha256 === b.ciphertext_sha256)).toBe(true);
      }
    }

    const live = await db
      .selectFrom('transactions')
      .select(['invoice_id', 'amount_cents', 'status'])
      .where('status', 'not in', ['failed', 'cancelled'])
      .execute();
    const payable = await db
      .selectFrom('invoices')
      .select(['id', 'amount_cents'])
      .where('status', '!=', 'set_aside')
      .execute();
    expect(payable.length).toBe(daysRun.length * (BANKS.length * 24 - 1)); // one unencodable name per day
    expect(live.map((t) => t.invoice_id).sort((a, b) => a - b)).toEqual(payable.map((p) => p.id).sort((a, b) => a - b));
    const amount = new Map(payable.map((p) => [p.id, p.amount_cents]));
    expect(live.filter((t) => t.amount_cents !== amount.get(t.invoice_id) || t.status !== 'sent')).toEqual([]);
  });
});
