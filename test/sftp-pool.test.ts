/**
 * The per-bank pool against a sandbox bank: the bound of 5 connections under 50 concurrent transfers, broken
 * connections never handed out, and no socket left open after 1,000 borrow/release cycles with failures.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BankConfig, bankSchema } from '../src/infra/config/schema.ts';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection, openSocketCount } from '../src/infra/sftp/connection.ts';
import { sftpError } from '../src/infra/sftp/errors.ts';
import { createSftpPool } from '../src/infra/sftp/pool.ts';
import { type SandboxBank, sandboxHostKeyPins, startSandbox } from '../src/infra/sftp/sandbox/index.ts';
import { freePort } from './support/test-config.ts';

let scratch: string;
let server: SandboxBank;
let stopSandbox: () => Promise<void>;
let bank: BankConfig;
const getSecret = (name: string) => readFile(join(scratch, 'secrets', name), 'utf8');
const connectOptions = () => ({ getSecret, extraPins: sandboxHostKeyPins(bank, join(scratch, 'sandbox')) });
const openFds = () => readdirSync('/proc/self/fd').length;

async function until(condition: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pool-test-'));
  bank = bankSchema.parse({
    bank_code: 'esun',
    bank_name: 'esun',
    fisc_code: '808',
    sftp_host: '127.0.0.1',
    sftp_port: await freePort(),
    sftp_username: 'esun-payer',
    auth: { method: 'password', password_secret: 'sandbox-esun-sftp-password' },
    sandbox: true,
    upload_path: '/incoming/payments',
    download_path: '/outgoing/reconciliation',
    file_format: 'csv',
    encoding: 'UTF-8',
    payment_file_pattern: 'PAY_{YYYYMMDD}_{BATCH}.csv',
    reconciliation_file_pattern: 'REC_{YYYYMMDD}*.csv',
    cutoff_time: '15:00',
    pgp: { bank_public_key_secret: 'x' },
    originator_account: { bank_unit: '8080018', account_number: '18012345678901' },
  });
  const sandbox = await startSandbox({
    banks: [bank],
    sandbox: { enabled: true, dir: join(scratch, 'sandbox'), reconciliation_delay_seconds: 0, return_share: 0 },
    secrets: { provider: 'file', dir: join(scratch, 'secrets'), cache_ttl_seconds: 0 },
  });
  server = sandbox.bank('esun');
  stopSandbox = () => sandbox.stop();
});

afterAll(async () => {
  await stopSandbox?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('connection pool', () => {
  it('never holds more than 5 connections while 50 uploads run concurrently', async () => {
    const sftp = createBankSftp(bank, connectOptions());
    let peakClient = 0;
    let peakServer = 0;
    const sample = setInterval(() => {
      const s = sftp.stats();
      peakClient = Math.max(peakClient, s.active + s.idle + s.connecting);
      peakServer = Math.max(peakServer, server.connectionCount());
    }, 1);
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          sftp.upload({
            remoteName: `PAY_20261125_${String(i + 1).padStart(4, '0')}.csv`,
            source: { bytes: Buffer.alloc(20_000, i) },
          }),
        ),
      );
      expect(results.every((r) => r.status === 'uploaded')).toBe(true);
      expect(sftp.stats()).toMatchObject({ active: 0, waiting: 0 });
      expect(peakClient).toBeGreaterThan(1);
      expect(peakClient).toBeLessThanOrEqual(5);
      expect(peakServer).toBeLessThanOrEqual(5);
    } finally {
      clearInterval(sample);
      await sftp.end();
    }
    await until(() => server.connectionCount() === 0);
    expect(server.connectionCount()).toBe(0);
  });

  it('discards a connection that broke while idle, and never hands it out', async () => {
    const pool = createSftpPool(bank, { ...connectOptions(), idleCheckMs: 3_600_000 });
    try {
      const first = await pool.acquire();
      pool.release(first);
      expect(pool.stats().idle).toBe(1);
      first.destroy(); // the server or the network dropped it while it sat in the pool
      await pool.checkIdle();
      expect(pool.stats().idle).toBe(0);
      const second = await pool.acquire();
      expect(second).not.toBe(first);
      expect(second.broken).toBe(false);
      pool.release(second);
    } finally {
      await pool.end();
    }
  });

  it('leaks no socket after 1,000 borrow/release cycles with connect failures and broken connections', async () => {
    const fdsBefore = openFds();
    const socketsBefore = openSocketCount();
    let attempts = 0;
    const pool = createSftpPool(bank, {
      ...connectOptions(),
      max: 5,
      connect: async () => {
        attempts++;
        if (attempts % 7 === 0) throw sftpError('connection_refused', 'injected refusal');
        return openSftpConnection(bank, connectOptions());
      },
    });
    let failures = 0;
    let done = 0;
    const cycle = async (i: number) => {
      try {
        await pool.use(async (conn) => {
          if (i % 10 === 0) {
            conn.destroy(); // transfer broke the connection
            throw sftpError('connection_lost', 'injected drop');
          }
          if (i % 25 === 1) await conn.stat('/incoming/payments');
        });
        done++;
      } catch {
        failures++;
      }
    };
    for (let i = 0; i < 1_000; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => cycle(i + k)));
    }
    expect(done + failures).toBe(1_000);
    expect(failures).toBeGreaterThanOrEqual(100);
    expect(pool.stats().active).toBe(0);
    await pool.end();
    expect(openSocketCount()).toBe(socketsBefore);
    await until(() => server.connectionCount() === 0);
    expect(server.connectionCount()).toBe(0);
    await until(() => openFds() <= fdsBefore);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  });
});
