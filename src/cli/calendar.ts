/**
 * `banking-sftp calendar close --date D [--bank CODE] --reason TEXT | reopen --date D [--bank CODE] | list`:
 * ad-hoc closures (typhoon days) from the command line, the same rules as the API (docs/operations.md, Ad-hoc
 * closures): audit-logged as `cli:<user>`, past dates refused; running instances apply the change within 10 s.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { taipeiDate } from '../domain/taipei-time.ts';
import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { ClosureRefused, declareClosure, listClosures, reopenClosure } from '../workflows/payment-run/closures.ts';
import { configFromArgs, reportConfigError } from './args.ts';

const USAGE = `usage:
  banking-sftp calendar close --date YYYY-MM-DD [--bank CODE] --reason TEXT
  banking-sftp calendar reopen --date YYYY-MM-DD [--bank CODE]
  banking-sftp calendar list [--from YYYY-MM-DD]
`;

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`banking-sftp calendar: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action] = parsed.positionals;
  const { date, bank, reason, from } = parsed.values;
  if (action !== 'close' && action !== 'reopen' && action !== 'list') {
    process.stderr.write(USAGE);
    return 2;
  }
  if (action !== 'list' && !date) {
    process.stderr.write(`banking-sftp calendar ${action}: --date is required\n${USAGE}`);
    return 2;
  }
  if (action === 'close' && !reason?.trim()) {
    process.stderr.write(`banking-sftp calendar close: --reason is required\n${USAGE}`);
    return 2;
  }
  if (bank && !config.banks.some((b) => b.bank_code === bank)) {
    process.stderr.write(`banking-sftp calendar: no bank ${bank} in the configuration\n`);
    return 2;
  }

  const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
  const actor = `cli:${userInfo().username}`;
  const now = new Date();
  try {
    await migrateToLatest(database.db);
    if (action === 'list') {
      for (const c of await listClosures(database.db, from ?? taipeiDate(now))) {
        process.stdout.write(
          `${JSON.stringify({ date: c.day, bank_code: c.bankCode ?? '*', reason: c.reason, created_by: c.createdBy, created_at: c.createdAt.toISOString() })}\n`,
        );
      }
      return 0;
    }
    const scope = bank ? { bankCode: bank } : {};
    if (action === 'close') {
      const result = await declareClosure(database.db, {
        day: date!,
        reason: reason!,
        actor,
        now,
        audit: true,
        ...scope,
      });
      process.stdout.write(
        `${JSON.stringify({ closed: date, bank_code: bank ?? '*', reason: reason!.trim(), stopped_batches: result.stoppedBatches })}\n`,
      );
      return 0;
    }
    await reopenClosure(database.db, { day: date!, actor, now, audit: true, ...scope });
    process.stdout.write(`${JSON.stringify({ reopened: date, bank_code: bank ?? '*' })}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ClosureRefused) {
      process.stderr.write(`banking-sftp calendar ${action}: ${error.message}\n`);
      return error.reason === 'not_found' ? 1 : 2;
    }
    throw error;
  } finally {
    await database.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      date: { type: 'string' },
      bank: { type: 'string' },
      reason: { type: 'string' },
      from: { type: 'string' },
      config: { type: 'string', short: 'c' },
    },
    allowPositionals: true,
  });
}
