/**
 * A config file for a test: the shipped five sandbox banks, with every port chosen free on 127.0.0.1 and every
 * path inside the test's scratch directory, so tests never collide with each other or with a running service.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** SFTP settings for tests on loopback: a small pool, short timeouts, no stability wait before a fetch. */
export const TEST_SFTP_SETTINGS = {
  pool_max: 2,
  connect_timeout_ms: 5_000,
  keepalive_ms: 30_000,
  idle_check_ms: 60_000,
  operation_timeout_ms: 20_000,
  stability_interval_ms: 0,
};

export interface TestConfigOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Deep-merged over the shipped config's top level. */
  overrides?: Record<string, unknown>;
  bankOverrides?: Record<string, unknown>;
}

export async function buildTestConfig(options: TestConfigOptions): Promise<Record<string, unknown>> {
  const raw = JSON.parse(readFileSync('config/banking.json', 'utf8')) as Record<string, unknown> & {
    banks: Array<Record<string, unknown>>;
  };
  const dir = options.dataDir;
  for (const bank of raw.banks) {
    bank.sftp_port = await freePort();
    Object.assign(bank, options.bankOverrides ?? {});
  }
  return {
    ...raw,
    data_dir: dir,
    database: { pglite_dir: join(dir, 'pglite'), ...(options.databaseUrl ? { url: options.databaseUrl } : {}) },
    secrets: { provider: 'file', dir: join(dir, 'secrets'), cache_ttl_seconds: 300 },
    sandbox: { ...(raw.sandbox as object), dir: join(dir, 'sandbox') },
    archive: { path: join(dir, 'archive'), retention_days: 30 },
    holidays_dir: './config/holidays',
    ...(options.overrides ?? {}),
  };
}

export async function writeTestConfig(scratch: string, options: TestConfigOptions): Promise<string> {
  const path = join(scratch, 'banking.json');
  writeFileSync(path, JSON.stringify(await buildTestConfig(options), null, 2));
  return path;
}
