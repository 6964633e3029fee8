import { type Kysely, Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

export interface MigrationReport {
  applied: string[];
  total: number;
}

/**
 * Applies pending migrations. Kysely's Postgres adapter takes a transaction-level advisory lock around the run,
 * so two instances starting together apply each migration once.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed?.migrationName ?? '(before any migration)';
    throw new Error(`migration ${name} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`, {
      cause: error,
    });
  }
  const all = await migrator.getMigrations();
  return { applied: (results ?? []).map((r) => r.migrationName), total: all.length };
}
