import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { loadCommandConfig, parseCommand } from './args.ts';
import { runningService } from './state.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const config = loadCommandConfig(values.config);
  const service = config.database.url ? null : runningService(config);
  if (service) {
    // it migrated at start; opening its directory from here is what must never happen
    process.stdout.write(
      `${JSON.stringify({ database: `pglite:${config.database.pglite_dir}`, applied: 0, held_by_pid: service.holder?.pid })}
`,
    );
    return 0;
  }
  const database = await connectDatabase({
    url: config.database.url,
    pgliteDir: config.database.pglite_dir,
    owner: 'migrate',
  }).catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  try {
    const report = await migrateToLatest(database.db);
    process.stdout.write(
      `${JSON.stringify({ database: database.target, applied: report.applied, total: report.total })}\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
