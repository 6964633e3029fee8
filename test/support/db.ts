/**
 * Test databases. Every test that touches storage runs on PGlite (in memory) by default, and on a real
 * PostgreSQL when TEST_DATABASE_URL is set (CI runs the suite once each way). On PostgreSQL each call gets
 * its own freshly created database, so test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type DatabaseHandle } from '../../src/infra/db/connect.ts';
import { migrateToLatest } from '../../src/infra/db/migrate.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface TestDatabase extends DatabaseHandle {
  /** URL of this test's own database (PostgreSQL only), for child processes. */
  url?: string;
}

async function createPostgresDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A migrated, empty database for one test file. Close it in afterAll. */
export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let handle: TestDatabase;
  if (TEST_DATABASE_URL) {
    const created = await createPostgresDatabase(TEST_DATABASE_URL);
    const inner = await connectDatabase({ url: created.url, poolMax: 10 });
    handle = {
      ...inner,
      url: created.url,
      close: async () => {
        await inner.close();
        await created.drop();
      },
    };
  } else {
    handle = await connectDatabase({ pgliteDir: 'memory://' });
  }
  if (options.migrate !== false) await migrateToLatest(handle.db);
  return handle;
}
