import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { configFromArgs, reportConfigError } from './args.ts';

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
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
