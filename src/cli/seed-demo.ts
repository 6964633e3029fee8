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
  const { values } = parseArgs({ args: argv, options: { date: { type: 'string' }, config: { type: 'string' } } });
  const dueDate = values.date === undefined ? taipeiDate(new Date()) : parseDay(values.date, '--date');
  const database = await connectDatabase({
    url: config.database.url,
    pgliteDir: config.database.pglite_dir,
    owner: 'seed-demo',
  }).catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  try {
    await migrateToLatest(database.db);
    const inserted = await seedDemo(database.db, {
      dueDate,
      bankCodes: config.banks.filter((b) => b.active).map((b) => b.bank_code),
    });
    process.stdout.write(`${JSON.stringify({ inserted, due_date: dueDate })}\n`);
    return 0;
  } finally {
    await database.close();
  }
}
