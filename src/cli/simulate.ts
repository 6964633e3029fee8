/**
 * `banking-sftp simulate --date 2026-11-26 [--invoices N] [--bank CODE] [--speed N] [--config FILE]`: runs one whole business day of the
 * configured banks against sandbox banks, on a scratch PGlite database and data directory, with the clock
 * compressed (as fast as it goes; `--speed N` paces it at N times real time), and prints the day's report with
 * each bank's batches. `--invoices N` seeds N payable invoices per bank (month-end volumes), `--bank CODE` only
 * that bank. A date that is not a business day is refused, as on every path that builds batches.
 * Nothing touches the configured database or real banks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createBusinessCalendar } from '../domain/calendar/business-calendar.ts';
import { checkValueDate } from '../domain/calendar/value-date.ts';
import { taipeiDate, taipeiInstant, taipeiTime } from '../domain/taipei-time.ts';
import { loadHolidayYears } from '../infra/config/holidays.ts';
import type { Config } from '../infra/config/schema.ts';
import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { seedDemo } from '../infra/db/seed-demo.ts';
import { createLogger } from '../infra/telemetry/logger.ts';
import { startSimulation } from '../workflows/simulation.ts';
import { configFromArgs, parseDay, reportConfigError } from './args.ts';
import { parseVolume } from './seed-demo.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function sandboxed(config: Config, dir: string): Promise<Config> {
  const ports: number[] = [];
  for (const _ of config.banks) ports.push(await freePort());
  return {
    ...config,
    data_dir: dir,
    database: { pglite_dir: 'memory://', pool_max: 1 },
    secrets: { ...config.secrets, provider: 'file', dir: join(dir, 'secrets') },
    archive: { ...config.archive, path: join(dir, 'archive') },
    sandbox: { ...config.sandbox, enabled: true, dir: join(dir, 'sandbox'), reconciliation_delay_seconds: 600 },
    sftp: { ...config.sftp, stability_interval_ms: 0 },
    mail: { ...config.mail, smtp: undefined, webhook_url: undefined },
    banks: config.banks.map((bank, i) => ({
      ...bank,
      sandbox: true,
      sftp_host: '127.0.0.1',
      sftp_port: ports[i]!,
      host_key_sha256: undefined,
      auth: { method: 'password', password_secret: `sandbox-${bank.bank_code}-sftp-password` },
      pgp: { ...bank.pgp, engine: 'openpgp', bank_public_key_secret: `sandbox-${bank.bank_code}-pgp-public` },
    })),
  };
}

export async function run(argv: string[]): Promise<number> {
  let loaded: ReturnType<typeof configFromArgs>['config'];
  try {
    loaded = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      date: { type: 'string' },
      speed: { type: 'string' },
      invoices: { type: 'string' },
      bank: { type: 'string' },
      config: { type: 'string', short: 'c' },
    },
  });
  const date = values.date ?? taipeiDate(new Date());
  parseDay(date, '--date'); // 2026-02-30 is a usage error (exit 2), not a database error
  const volume = parseVolume(values, loaded);
  if ('error' in volume) {
    process.stderr.write(`banking-sftp simulate: ${volume.error}\n`);
    return 2;
  }
  // the simulated day starts at 00:00, so only the calendar (and closures: none in a scratch database) can refuse it
  const calendar = createBusinessCalendar(await loadHolidayYears(loaded.holidays_dir));
  const check = checkValueDate(calendar, date, { now: taipeiInstant(date, '00:00') });
  if (!check.ok) {
    process.stderr.write(`banking-sftp simulate: ${check.message} (${check.reason})\n`);
    return 2;
  }
  const speed = values.speed ? Number(values.speed) : 0;
  const dir = mkdtempSync(join(tmpdir(), 'banking-simulate-'));
  const config = await sandboxed(loaded, dir);
  // standard output carries the report alone, so it can be piped or compared; warnings and progress go to stderr
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
  const database = await connectDatabase({ pgliteDir: 'memory://' });
  try {
    await migrateToLatest(database.db);
    const inserted = await seedDemo(database.db, { dueDate: date, ...volume });
    process.stderr.write(
      `simulating ${date} (Asia/Taipei) for ${config.banks.length} sandbox banks, ${inserted} invoices\n`,
    );
    const simulation = await startSimulation({ config, database, logger, start: taipeiInstant(date, '00:00') });
    const end = new Date(taipeiInstant(date, '00:00').getTime() + 86_400_000);
    await simulation.advanceTo(end, async (now) => {
      if (speed > 0) await new Promise((resolve) => setTimeout(resolve, (5 * 60_000) / speed));
      if (now.getUTCMinutes() === 0) process.stderr.write(`  ${taipeiDate(now)} ${taipeiTime(now)} Asia/Taipei\r`);
    });
    await simulation.stop();
    const report = await database.db
      .selectFrom('daily_reports')
      .select('text_body')
      .where('business_date', '=', date)
      .executeTakeFirst();
    process.stdout.write(`${report?.text_body ?? `no report: ${date} is not a business day`}\n`);
    process.stdout.write(await batchesReport(database.db, date));
    return 0;
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each bank's batches of the day: number, file, transactions, total, state. */
async function batchesReport(db: Awaited<ReturnType<typeof connectDatabase>>['db'], date: string): Promise<string> {
  const batches = await db
    .selectFrom('payment_batches')
    .select(['bank_code', 'batch_number', 'file_name', 'transaction_count', 'total_cents', 'byte_size', 'state'])
    .where('value_date', '=', date)
    .orderBy('bank_code')
    .orderBy('batch_seq')
    .execute();
  const lines = ['', 'Batches by bank'];
  const banks = [...new Set(batches.map((b) => b.bank_code))];
  for (const bank of banks) {
    const own = batches.filter((b) => b.bank_code === bank);
    const count = own.reduce((s, b) => s + b.transaction_count, 0);
    lines.push(`  ${bank}: ${own.length} batch(es), ${count} transactions`);
    for (const b of own) {
      lines.push(
        `    ${b.batch_number}  ${b.file_name}  ${b.transaction_count} tx  ${b.total_cents} cents  ${b.byte_size ?? 0} bytes  ${b.state}`,
      );
    }
  }
  if (banks.length === 0) lines.push('  (none)');
  return `${lines.join('\n')}\n`;
}
