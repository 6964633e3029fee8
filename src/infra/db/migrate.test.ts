import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';

describe('migrations', () => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase({ migrate: false });
  });
  afterAll(() => handle.close());

  it('apply cleanly to an empty database, and a second run applies nothing', async () => {
    const first = await migrateToLatest(handle.db);
    expect(first.applied).toEqual(Object.keys(migrations));
    const second = await migrateToLatest(handle.db);
    expect(second.applied).toEqual([]);
    expect(second.total).toBe(Object.keys(migrations).length);
  });

  it('create every table the system stores its work in', async () => {
    const rows = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(handle.db);
    const tables = rows.rows.map((r) => r.table_name);
    for (const table of [
      'invoices',
      'payment_batches',
      'transactions',
      'transaction_status_history',
      'transfers',
      'retry_queue',
      'reconciliation_files',
      'reconciliation_records',
      'exceptions',
      'bank_state',
      'audit_log',
      'api_tokens',
      'tick_dispatch',
    ]) {
      expect(tables).toContain(table);
    }
  });

  it('store money as bigint cents', async () => {
    const rows = await sql<{ table_name: string; data_type: string }>`
      select table_name, data_type from information_schema.columns
      where table_schema = 'public' and column_name in ('amount_cents', 'total_cents')`.execute(handle.db);
    expect(rows.rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows.rows) expect(row.data_type, row.table_name).toBe('bigint');
  });
});
