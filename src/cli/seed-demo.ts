import { parseArgs } from 'node:util';
import { taipeiDate } from '../domain/taipei-time.ts';
import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { seedDemo } from '../infra/db/seed-demo.ts';
import { configFromArgs, parseDay, reportConfigError } from './args.ts';
import { CommandFailed } from './usage-error.ts';

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      date: { type: 'string' },
      config: { type: 'string' },
      invoices: { type: 'string' },
      bank: { type: 'string' },
    },
  });
  const dueDate = values.date === undefined ? taipeiDate(new Date()) : parseDay(values.date, '--date');
  const volume = parseVolume(values, config);
  if ('error' in volume) {
    process.stderr.write(`banking-sftp seed-demo: ${volume.error}\n`);
    return 2;
  }
  const database = await connectDatabase({
    url: config.database.url,
    pgliteDir: config.database.pglite_dir,
    owner: 'seed-demo',
  }).catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  try {
    await migrateToLatest(database.db);
    const inserted = await seedDemo(database.db, { dueDate, ...volume });
    process.stdout.write(`${JSON.stringify({ inserted, due_date: dueDate })}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * `--invoices N` (per bank, every one payable) and `--bank CODE` (that bank only): month-end volumes on demand.
 * Without them: the 8-a-bank demo of every active bank, with its one unencodable name.
 */
export function parseVolume(
  values: { invoices?: string | undefined; bank?: string | undefined },
  config: { banks: Array<{ bank_code: string; active: boolean }> },
): { bankCodes: string[]; perBank?: number; unencodable?: boolean } | { error: string } {
  const active = config.banks.filter((b) => b.active).map((b) => b.bank_code);
  if (values.bank !== undefined && !active.includes(values.bank)) {
    return { error: `--bank ${values.bank} is not an active bank (${active.join(', ')})` };
  }
  const bankCodes = values.bank !== undefined ? [values.bank] : active;
  if (values.invoices === undefined) return { bankCodes };
  const perBank = Number(values.invoices);
  if (!Number.isSafeInteger(perBank) || perBank < 1 || perBank > 1_000_000) {
    return { error: `--invoices must be a whole number from 1 to 1000000, got ${values.invoices}` };
  }
  return { bankCodes, perBank, unencodable: false };
}
