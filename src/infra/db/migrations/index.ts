/**
 * The static record of migrations. Listing imports (not reading a folder) keeps them working the same on Node,
 * Deno and in a bundle. Add new ones at the end, named by date; never edit one that has shipped.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './2026_11_25_0001_initial.ts';
import * as m0003 from './2026_11_25_0003_monitor.ts';
import * as m0007 from './2026_11_25_0007_workflows.ts';
import * as m0009 from './2026_11_25_0009_bank_leases.ts';
import * as m1208 from './2026_12_08_0001_money_path.ts';
import * as m1208_0003 from './2026_12_08_0003_monitor_sessions.ts';

export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_initial': m0001,
  '2026_11_25_0003_monitor': m0003,
  '2026_11_25_0007_workflows': m0007,
  '2026_11_25_0009_bank_leases': m0009,
  '2026_12_08_0001_money_path': m1208,
  '2026_12_08_0003_monitor_sessions': m1208_0003,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
