/**
 * The sandbox bank server: first-start keys and credentials, the payment-file hook with its delayed
 * reconciliation, and every fault switch producing the documented error class (faults.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../src/domain/failure.ts';
import { type BankConfig, bankSchema } from '../src/infra/config/schema.ts';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { type Sandbox, sandboxHostKeyPins, startSandbox } from '../src/infra/sftp/sandbox/index.ts';
import { isTempNameFor } from '../src/infra/sftp/upload.ts';
import { freePort } from './support/test-config.ts';

let scratch: string;
let sandbox: Sandbox;
let bank: BankConfig;
const scheduled: Array<{ delayMs: number; task: () => void }> = [];
const received: Array<{ bankCode: string; name: string; bytes: Uint8Array }> = [];

const sandboxDir = () => join(scratch, 'sandbox');
const secretsDir = () => join(scratch, 'secrets');
const getSecret = (name: string) => readFile(join(secretsDir(), name), 'utf8');
const client = (overrides: Record<string, unknown> = {}, settings: Record<string, number> = {}) =>
  createBankSftp(bankSchema.parse({ ...bank, ...overrides }), {
    getSecret,
    extraPins: sandboxHostKeyPins(bank, sandboxDir()),
    settings,
  });

async function failure(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('expected a failure');
}

async function makeBank(code: string): Promise<BankConfig> {
  return bankSchema.parse({
    bank_code: code,
    bank_name: code,
    fisc_code: '017',
    sftp_host: '127.0.0.1',
    sftp_port: await freePort(),
    sftp_username: `${code}-payer`,
    auth: { method: 'password', password_secret: `sandbox-${code}-sftp-password` },
    sandbox: true,
    upload_path: '/incoming/payments',
    download_path: '/outgoing/reconciliation',
    file_format: 'fixed_width',
    encoding: 'Big5',
    payment_file_pattern: 'PAY_{YYYYMMDD}_{BATCH}.txt',
    reconciliation_file_pattern: 'REC_{YYYYMMDD}*.txt',
    cutoff_time: '15:30',
    pgp: { bank_public_key_secret: `sandbox-${code}-pgp-public` },
    originator_account: { bank_unit: '0170077', account_number: '00770012345678' },
  });
}

function config(banks: BankConfig[], delaySeconds = 120) {
  return {
    banks,
    sandbox: { enabled: true, dir: sandboxDir(), reconciliation_delay_seconds: delaySeconds, return_share: 0.05 },
    secrets: { provider: 'file' as const, dir: secretsDir(), cache_ttl_seconds: 0 },
  };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  bank = await makeBank('mega');
  sandbox = await startSandbox(config([bank]), {
    schedule: (delayMs, task) => scheduled.push({ delayMs, task }),
    onPaymentFile: async (ctx) => {
      received.push(ctx);
      return [{ name: `REC_20261125_${ctx.name.slice(13, 17)}.txt`, bytes: Buffer.from(`reconciled ${ctx.name}\n`) }];
    },
  });
});

afterEach(async () => {
  await sandbox.setFaults('mega', {});
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const bankFiles = (...path: string[]) => join(sandboxDir(), 'mega', ...path);

describe('sandbox bank', () => {
  it('creates its host key, fingerprint and a 0600 password secret on first start and keeps them', async () => {
    const fingerprint = readFileSync(bankFiles('host_key.sha256'), 'utf8').trim();
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const secretPath = join(secretsDir(), 'sandbox-mega-sftp-password');
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    const password = readFileSync(secretPath, 'utf8');
    expect(password.length).toBeGreaterThanOrEqual(20);

    const report = await client().testConnection();
    expect(report).toMatchObject({ ok: true, serverBanner: 'SandboxBank_mega', hostKey: { matchesPin: true } });
    expect(report.hostKey.fingerprint).toBe(fingerprint);

    // a second sandbox on the same directory (another port) reuses key and password
    const again = await startSandbox(config([{ ...bank, bank_code: 'mega', sftp_port: await freePort() }]));
    await again.stop();
    expect(readFileSync(bankFiles('host_key.sha256'), 'utf8').trim()).toBe(fingerprint);
    expect(readFileSync(secretPath, 'utf8')).toBe(password);
  });

  it('serves a key-auth bank: an Ed25519 client key is generated into the secrets directory', async () => {
    const keyBank = bankSchema.parse({
      ...(await makeBank('ctbc')),
      auth: { method: 'key', private_key_secret: 'sandbox-ctbc-sftp-key' },
    });
    const other = await startSandbox(config([keyBank]));
    try {
      expect(readFileSync(join(secretsDir(), 'sandbox-ctbc-sftp-key'), 'utf8')).toContain('OPENSSH PRIVATE KEY');
      const conn = await openSftpConnection(keyBank, {
        getSecret,
        extraPins: sandboxHostKeyPins(keyBank, sandboxDir()),
      });
      expect(await conn.realpath('.')).toBe('/');
      await conn.close();
    } finally {
      await other.stop();
    }
  });

  it('never accepts an unknown key: without the sandbox pins the client refuses to connect', async () => {
    const error = await failure(openSftpConnection({ ...bank }, { getSecret }));
    expect(error).toMatchObject({ code: 'host_key_not_pinned', retryClass: 'critical' });
    const wrong = await failure(
      openSftpConnection({ ...bank, host_key_sha256: `SHA256:${'B'.repeat(43)}` }, { getSecret }),
    );
    expect(wrong).toMatchObject({ code: 'host_key_mismatch', retryClass: 'critical' });
  });

  it('hands an arriving payment file to the hook and writes its files after the configured delay', async () => {
    const sftp = client();
    try {
      const bytes = Buffer.from('payment batch 0007\n');
      await sftp.upload({ remoteName: 'PAY_20261125_0007.txt', source: { bytes } });
      await sandbox.bank('mega').settled(); // the hook ran and the reconciliation is scheduled
      const hookCall = received.find((r) => r.name === 'PAY_20261125_0007.txt');
      expect(hookCall && Buffer.from(hookCall.bytes).equals(bytes)).toBe(true);
      expect(hookCall?.bankCode).toBe('mega');
      expect((await sftp.list({ date: '2026-11-25' })).files).toEqual([]);

      const due = scheduled.splice(0);
      expect(due.map((d) => d.delayMs)).toEqual([120_000]);
      for (const d of due) d.task();
      await sandbox.bank('mega').settled();
      const listing = await sftp.list({ date: '2026-11-25' });
      expect(listing.files.map((f) => f.name)).toEqual(['REC_20261125_0007.txt']);
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      await sftp.download('REC_20261125_0007.txt', { sink });
      expect(Buffer.concat(chunks).toString('utf8')).toBe('reconciled PAY_20261125_0007.txt\n');
    } finally {
      await sftp.end();
    }
  });
});

describe('sandbox fault switches', () => {
  it('refuseConnections -> connection_refused (backoff); connects again once cleared', async () => {
    await sandbox.setFaults('mega', { refuseConnections: true });
    const sftp = client();
    try {
      const error = await failure(sftp.list());
      expect(error).toMatchObject({ code: 'connection_refused', retryClass: 'backoff' });
      await sandbox.setFaults('mega', {});
      expect((await sftp.list()).files).toBeDefined();
    } finally {
      await sftp.end();
    }
  });

  it('dropAfterBytes -> connection_lost (backoff), nothing under the final name; the next attempt completes', async () => {
    const bytes = randomBytes(1024 * 1024);
    await sandbox.setFaults('mega', { dropAfterBytes: 256 * 1024 });
    const sftp = client({ parallel_writes: true });
    try {
      const error = await failure(sftp.upload({ remoteName: 'PAY_20261125_0100.txt', source: { bytes } }));
      expect(error).toMatchObject({ retryClass: 'backoff' });
      expect(error.code).toBe('connection_lost');
      expect(existsSync(bankFiles('incoming', 'payments', 'PAY_20261125_0100.txt'))).toBe(false);
      const temps = () =>
        readdirSync(bankFiles('incoming', 'payments')).filter((n) => isTempNameFor('PAY_20261125_0100.txt', n));
      expect(temps()).toHaveLength(1);

      await sandbox.setFaults('mega', {});
      const retry = await sftp.upload({ remoteName: 'PAY_20261125_0100.txt', source: { bytes } });
      expect(retry.status).toBe('uploaded');
      expect(readFileSync(bankFiles('incoming', 'payments', 'PAY_20261125_0100.txt')).equals(bytes)).toBe(true);
      expect(temps()).toEqual([]);
    } finally {
      await sftp.end();
    }
  });

  it('slowReadsMs above the operation timeout -> timeout (retry_now), the connection is discarded', async () => {
    writeFileSync(bankFiles('outgoing', 'reconciliation', 'REC_20261125_slow.txt'), 'slow');
    await sandbox.setFaults('mega', { slowReadsMs: 400 });
    const sftp = client({}, { operation_timeout_ms: 150 });
    try {
      const error = await failure(sftp.download('REC_20261125_slow.txt', { sink: new PassThrough().resume() }));
      expect(error).toMatchObject({ code: 'timeout', retryClass: 'retry_now' });
      expect(sftp.stats()).toMatchObject({ active: 0, idle: 0 });
    } finally {
      await sftp.end();
    }
  });

  it('refuseRenameOverExisting: a file appearing before the rename is compared, never overwritten', async () => {
    await sandbox.setFaults('mega', { refuseRenameOverExisting: true });
    const sftp = client();
    const final = bankFiles('incoming', 'payments', 'PAY_20261125_0200.txt');
    try {
      const ours = Buffer.from('our batch 0200\n');
      const conflict = await failure(
        sftp.upload({
          remoteName: 'PAY_20261125_0200.txt',
          source: { bytes: ours },
          // another writer puts a different file in place between our checks and the rename
          beforeRename: async () => writeFileSync(final, 'someone else\n'),
        }),
      );
      expect(conflict).toMatchObject({ code: 'remote_conflict', retryClass: 'critical' });
      expect(readFileSync(final, 'utf8')).toBe('someone else\n');

      const same = await sftp.upload({
        remoteName: 'PAY_20261125_0201.txt',
        source: { bytes: ours },
        beforeRename: async () => writeFileSync(bankFiles('incoming', 'payments', 'PAY_20261125_0201.txt'), ours),
      });
      expect(same.status).toBe('already_done');
      const leftovers = readdirSync(bankFiles('incoming', 'payments')).filter((n) => n.includes('020'));
      expect(leftovers.sort()).toEqual(['PAY_20261125_0200.txt', 'PAY_20261125_0201.txt']);
    } finally {
      await sftp.end();
    }
  });

  it('moveAwayOnArrival -> no_such_path (backoff) and nothing under the final name', async () => {
    await sandbox.setFaults('mega', { moveAwayOnArrival: true });
    const sftp = client();
    try {
      const error = await failure(
        sftp.upload({ remoteName: 'PAY_20261125_0300.txt', source: { bytes: Buffer.from('x') } }),
      );
      expect(error).toMatchObject({ code: 'no_such_path', retryClass: 'backoff' });
      expect(existsSync(bankFiles('incoming', 'payments', 'PAY_20261125_0300.txt'))).toBe(false);
      expect(
        readdirSync(bankFiles('.sandbox', 'taken')).some((n) =>
          /\.PAY_20261125_0300\.txt\.[0-9a-f]{12}\.part$/.test(n),
        ),
      ).toBe(true);
    } finally {
      await sftp.end();
    }
  });

  it('legacyAlgorithmsOnly -> handshake_failed (backoff) unless the bank enables them explicitly', async () => {
    await sandbox.setFaults('mega', { legacyAlgorithmsOnly: true });
    const modern = client();
    const legacy = client({ algorithms: { kex: ['diffie-hellman-group14-sha1'], serverHostKey: ['ssh-rsa'] } });
    try {
      const error = await failure(modern.list());
      expect(error).toMatchObject({ code: 'handshake_failed', retryClass: 'backoff' });
      const report = await legacy.testConnection();
      expect(report.ok).toBe(true);
      expect(report.algorithms).toMatchObject({ kex: 'diffie-hellman-group14-sha1', serverHostKey: 'ssh-rsa' });
      expect(report.hostKey.fingerprint).toBe(readFileSync(bankFiles('host_key_rsa.sha256'), 'utf8').trim());
    } finally {
      await modern.end();
      await legacy.end();
    }
  });
});
