/**
 * End to end: 5 banks x 5,000 pending invoices -> payment batches (PostgreSQL) -> bank files (each bank's own
 * format and encoding) -> signed and encrypted (each bank's PGP key) -> uploaded to five real OpenSSH sshd
 * servers on loopback -> recorded in the ledger (transfers, batch `uploaded`, transactions `sent`). It runs the
 * service's own code path: `startOperations` (bank actors, per-bank leases, semaphore of
 * `max_concurrent_banks`), an operator-triggered payment run, done when every batch is `uploaded`.
 *
 *   npx tsx bench/e2e.ts   (BENCH_DATABASE_URL: the server, default postgres://postgres@127.0.0.1:5432/postgres,
 *                            on which a fresh database is created per round and dropped; BENCH_E2E_PER_BANK=5000,
 *                            BENCH_E2E_ROUNDS=2: the first, cold round is the figure; later ones the warm line)
 *
 * Set-up (sshd servers, keys, 25,000 invoices) is not timed. The stage lines split the total by where the work
 * went: each stage's share of the summed per-bank busy time (trace spans: build = batch building less file
 * generation, generate = file.generate, encrypt+sign = pgp.protect, upload = sftp.upload, record = batch.record),
 * applied to the wall-clock total, so the stages add up to the total although banks run in parallel.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SimulatedClock } from 'xstate';
import { parseConfig } from '../src/infra/config/load.ts';
import { connectDatabase } from '../src/infra/db/connect.ts';
import { migrateToLatest } from '../src/infra/db/migrate.ts';
import { demoInvoices } from '../src/infra/db/seed-demo.ts';
import { createSecretStore } from '../src/infra/secrets/index.ts';
import { createLogger } from '../src/infra/telemetry/logger.ts';
import { startTracing } from '../src/infra/telemetry/tracing.ts';
import { startOperations } from '../src/workflows/operations.ts';
import { ensureSandboxKeys } from '../src/workflows/sandbox/bank-simulator.ts';
import { type SshdHandle, startSshd } from '../test/support/sshd.ts';
import { buildTestConfig } from '../test/support/test-config.ts';
import { freshDatabase } from './fresh-database.ts';

const VALUE_DATE = '2026-11-26';
// Before the 06:00 scheduled run: the operator's run is the only one. The actors' timers stay on a simulated
// clock that never moves, so no scheduled tick interferes with the measurement.
const RUN_AT = new Date(`${VALUE_DATE}T05:00:00+08:00`);
const STAGES = ['build', 'generate', 'encrypt+sign', 'upload', 'record'] as const;
type Stage = (typeof STAGES)[number];

/** Sums span durations by name (ms): the service's own trace spans are the stage boundaries. */
class SpanTimes implements SpanProcessor {
  totals = new Map<string, number>();
  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    const [s, ns] = span.duration;
    this.totals.set(span.name, (this.totals.get(span.name) ?? 0) + s * 1000 + ns / 1e6);
  }
  reset() {
    this.totals.clear();
  }
  get(name: string) {
    return this.totals.get(name) ?? 0;
  }
  async forceFlush() {}
  async shutdown() {}
}

export async function run(): Promise<void> {
  const perBank = Number(process.env.BENCH_E2E_PER_BANK ?? 5000);
  const rounds = Number(process.env.BENCH_E2E_ROUNDS ?? 2);
  const spans = new SpanTimes();
  const tracing = await startTracing({ serviceName: 'bench-e2e', spanProcessors: [spans] });
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const servers: SshdHandle[] = [];
  const cold: { total: number; stages: Record<Stage, number> } = {
    total: Number.POSITIVE_INFINITY,
    stages: { build: 0, generate: 0, 'encrypt+sign': 0, upload: 0, record: 0 },
  };
  let warm = Number.POSITIVE_INFINITY;
  let transactions = 0;
  let bytes = 0;
  try {
    const raw = (await buildTestConfig({
      dataDir: dir,
      overrides: { sandbox: { enabled: false }, demo_data: false },
    })) as {
      banks: Array<Record<string, unknown>>;
      database: Record<string, unknown>;
    };
    for (const bank of raw.banks) {
      const sshd = await startSshd();
      servers.push(sshd);
      const code = bank.bank_code as string;
      Object.assign(bank, {
        sandbox: false,
        sftp_port: sshd.port,
        sftp_username: 'root',
        auth: { method: 'key', private_key_secret: `bench-ssh-${code}` },
        host_key_sha256: sshd.hostKeyFingerprint,
        upload_path: join(sshd.filesDir, 'upload'),
        download_path: join(sshd.filesDir, 'download'),
      });
    }
    const baseConfig = parseConfig(raw, 'bench e2e');
    const secrets = createSecretStore(baseConfig.secrets, { now: () => new Date(), audit: async () => {} });
    // dated no later than the simulated run, which may lie in the real clock's past
    await ensureSandboxKeys(
      secrets,
      baseConfig.banks.map((b) => ({ ...b, sandbox: true })),
      RUN_AT,
    );
    for (const [i, bank] of baseConfig.banks.entries()) {
      await secrets.put!(`bench-ssh-${bank.bank_code}`, servers[i]!.ed25519PrivateKey);
    }
    const bankCodes = baseConfig.banks.filter((b) => b.active).map((b) => b.bank_code);

    for (let round = 0; round < rounds; round++) {
      for (const s of servers) {
        rmSync(join(s.filesDir, 'upload'), { recursive: true, force: true });
        mkdirSync(join(s.filesDir, 'upload'), { recursive: true });
        mkdirSync(join(s.filesDir, 'download'), { recursive: true });
      }
      const fresh = await freshDatabase('bench_e2e');
      const config = { ...baseConfig, database: { ...baseConfig.database, url: fresh.url } };
      const database = await connectDatabase({ url: fresh.url, poolMax: config.database.pool_max });
      try {
        await migrateToLatest(database.db);
        await database.db.deleteFrom('invoices').execute();
        const invoices = demoInvoices({ dueDate: VALUE_DATE, bankCodes, perBank });
        for (let i = 0; i < invoices.length; i += 2000) {
          await database.db
            .insertInto('invoices')
            .values(invoices.slice(i, i + 2000))
            .execute();
        }
        const timers = new SimulatedClock();
        timers.set(RUN_AT.getTime());
        const ops = await startOperations({
          config,
          database,
          logger: createLogger({ level: 'warn' }),
          instanceId: 'bench',
          now: () => RUN_AT,
          clock: timers,
        });
        try {
          spans.reset();
          const t0 = performance.now();
          const started = await ops.triggerPaymentRun({ trigger: 'manual', valueDate: VALUE_DATE });
          if (!('done' in started)) throw new Error('a payment run is already running');
          const summary = await started.done;
          const expected = summary.banks.reduce((n, b) => n + b.batches, 0);
          for (;;) {
            const rows = await database.db
              .selectFrom('payment_batches')
              .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
              .groupBy('state')
              .execute();
            const uploaded = Number(rows.find((r) => r.state === 'uploaded')?.n ?? 0);
            const stuck = rows.filter((r) => !['generated', 'encrypted', 'uploading', 'uploaded'].includes(r.state));
            if (stuck.length > 0) throw new Error(`batches not uploadable: ${JSON.stringify(rows)}`);
            if (uploaded === expected) break;
            if (performance.now() - t0 > 180_000) throw new Error(`not uploaded after 180 s: ${JSON.stringify(rows)}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const total = (performance.now() - t0) / 1000;
          const busy: Record<Stage, number> = {
            build: spans.get('payment_run.build_batches') - spans.get('file.generate'),
            generate: spans.get('file.generate'),
            'encrypt+sign': spans.get('pgp.protect'),
            upload: spans.get('sftp.upload'),
            record: spans.get('batch.record'),
          };
          const sum = STAGES.reduce((s, k) => s + busy[k], 0);
          // the first round is the figure (a service runs its payment run once a morning: keys, connections and
          // code all cold); later rounds only show what warm caches give
          if (round === 0) {
            cold.total = total;
            for (const k of STAGES) cold.stages[k] = (total * busy[k]) / sum;
          } else {
            warm = Math.min(warm, total);
          }
          const sent = await database.db
            .selectFrom('transfers')
            .select([(eb) => eb.fn.sum<string>('bytes').as('bytes'), (eb) => eb.fn.countAll<string>().as('n')])
            .where('result', '=', 'success')
            .executeTakeFirstOrThrow();
          bytes = Number(sent.bytes);
          transactions = summary.banks.reduce((n, b) => n + b.transactions, 0);
          if (Number(sent.n) !== expected) throw new Error(`expected ${expected} uploads, ledger has ${sent.n}`);
        } finally {
          await ops.stop();
        }
      } finally {
        await database.close();
        await fresh.drop();
      }
    }
  } finally {
    await tracing.shutdown();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const [load1] = loadavg();
  process.stderr.write(
    `e2e: ${transactions} transactions, ${(bytes / 1024 / 1024).toFixed(1)} MB uploaded; ${cpus().length} cpus, load ${load1!.toFixed(2)}\n`,
  );
  console.log(`e2e total: ${cold.total.toFixed(2)} s`);
  for (const k of STAGES) console.log(`e2e stage ${k}: ${cold.stages[k].toFixed(2)} s`);
  if (Number.isFinite(warm)) console.log(`e2e total warm (best later round): ${warm.toFixed(2)} s`);
  console.log(`e2e throughput: ${Math.round(transactions / cold.total)} transactions/s`);
}

run().catch((error) => {
  console.error(error);
  process.exit(1);
});
