/**
 * Hostile file names in a bank's listing, during a real reconciliation poll: names no file system holds
 * (`../x`, `/etc/passwd`, NUL, control characters, 5,000 bytes) offered by the sandbox SFTP server
 * (`hostileNames` fault), and names a real OpenSSH server can serve (`..\x`, 250 bytes). Each is refused
 * (never downloaded, never used as a local path), raised as an exception, and the genuine file next to it is
 * still applied; nothing appears outside the inbox.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../../src/domain/failure.ts';
import { type BankConfig, bankSchema } from '../../src/infra/config/schema.ts';
import { type Sandbox, startSandbox } from '../../src/infra/sftp/sandbox/index.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from '../support/sshd.ts';
import { freePort } from '../support/test-config.ts';
import { BANK_PGP, exceptionsOf, fileRow, type PollFixture, startPollFixture } from './poll-fixture.ts';

const HOSTILE = [
  '../REC_20261126_up.txt',
  '../../../../../../tmp/REC_20261126_abs.txt',
  '/etc/passwd',
  '..\\REC_20261126_win.txt',
  'REC_20261126_\u0000.txt',
  'REC_20261126_\n.txt',
  `REC_20261126_${'A'.repeat(5_000)}.txt`,
];

async function rejection(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('expected a refusal');
}

describe('hostile names from the sandbox SFTP server', () => {
  let f: PollFixture;
  let sandbox: Sandbox;
  let bank: BankConfig;

  beforeAll(async () => {
    const secretsDir = join(process.env.TMPDIR ?? '/tmp', `security-names-${process.pid}`);
    mkdirSync(secretsDir, { recursive: true });
    f = await startPollFixture({
      getSecret: (name) => readFile(join(secretsDir, name), 'utf8'),
      sandboxDir: join(secretsDir, 'sandbox'),
    });
    bank = bankSchema.parse({
      bank_code: 'mega',
      bank_name: 'mega',
      fisc_code: '017',
      sftp_host: '127.0.0.1',
      sftp_port: await freePort(),
      sftp_username: 'mega-payer',
      auth: { method: 'password', password_secret: 'sandbox-mega-sftp-password' },
      sandbox: true,
      upload_path: '/incoming/payments',
      download_path: '/outgoing/reconciliation',
      file_format: 'csv',
      encoding: 'UTF-8',
      payment_file_pattern: 'PAY_{YYYYMMDD}_{BATCH}.txt',
      reconciliation_file_pattern: 'REC_{YYYYMMDD}*.txt',
      cutoff_time: '15:30',
      pgp: BANK_PGP,
      originator_account: { bank_unit: '0170077', account_number: '00770012345678' },
    });
    sandbox = await startSandbox({
      banks: [bank],
      sandbox: { enabled: true, dir: join(secretsDir, 'sandbox'), reconciliation_delay_seconds: 60, return_share: 0 },
      secrets: { provider: 'file', dir: secretsDir, cache_ttl_seconds: 0 },
    } as never);
    await sandbox.setFaults('mega', { hostileNames: HOSTILE });
    writeFileSync(
      join(secretsDir, 'sandbox', 'mega', 'outgoing', 'reconciliation', 'REC_20261126_01.txt'),
      await f.genuineFile('REC_20261126_01.txt'),
    );
  });
  afterAll(async () => {
    await sandbox?.stop();
    await f?.close();
  });

  it('refuses every hostile name, raises one exception each, and still applies the genuine file', async () => {
    const result = await f.poll(bank);
    expect(result.rejectedNames.map((n) => JSON.parse(n))).toEqual(expect.arrayContaining(HOSTILE));
    expect(result.rejectedNames).toHaveLength(HOSTILE.length);
    expect(result.applied.map((a) => a.name)).toEqual(['REC_20261126_01.txt']);
    expect(result.quarantined).toEqual([]);
    const raised = await exceptionsOf(f, 'rejected_remote_name');
    expect(raised).toHaveLength(HOSTILE.length);
    for (const e of raised) expect(e.message).toMatch(/^bank listing offered an unsafe file name, ignored: "/);
    expect((await fileRow(f, 'REC_20261126_01.txt'))?.status).toBe('applied');
  });

  it('writes nothing outside the inbox', () => {
    const files = f.filesUnder(f.dataDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^inbound\/mega\/[0-9a-f]{16}-REC_20261126_01\.txt$/);
    expect(f.filesUnder(f.scratch).filter((p) => !p.startsWith('data/'))).toEqual([]);
    expect(existsSync('/tmp/REC_20261126_abs.txt')).toBe(false);
    // Content, not mtime: another test file may add its sshd user to /etc/passwd at the same moment.
    const notAccountLines = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((line) => line !== '' && line.split(':').length !== 7);
    expect(notAccountLines).toEqual([]);
  });

  it('refuses a hostile name asked for directly, before the server sees it (critical untrusted_name)', async () => {
    for (const name of HOSTILE) {
      const e = await rejection(f.transport.download(bank, name));
      expect(e.code).toBe('untrusted_name');
      expect(e.retryClass).toBe('critical');
    }
  });

  it('keeps polling: the next poll skips what it has, raises nothing twice', async () => {
    const again = await f.poll(bank);
    expect(again.skipped).toEqual(['REC_20261126_01.txt']);
    expect(again.applied).toEqual([]);
    expect(await exceptionsOf(f, 'rejected_remote_name')).toHaveLength(HOSTILE.length);
  });
});

describe('hostile names from a real OpenSSH server', () => {
  let f: PollFixture;
  let sshd: SshdHandle;
  let bank: BankConfig;
  const longName = `REC_20261126_${'L'.repeat(250 - 'REC_20261126_.txt'.length)}.txt`;

  beforeAll(async () => {
    sshd = await startSshd();
    f = await startPollFixture({ getSecret: sshdSecrets(sshd) });
    bank = sshdBank(sshd, { bank_code: 'openssh', pgp: BANK_PGP });
    mkdirSync(bank.download_path, { recursive: true });
    const dir = bank.download_path;
    writeFileSync(join(dir, '..\\REC_20261126_win.txt'), await f.genuineFile('..\\REC_20261126_win.txt'));
    writeFileSync(join(dir, longName), await f.genuineFile(longName, 'TX202611260000000002'));
    writeFileSync(join(dir, 'REC_20261126_01.txt'), await f.genuineFile('REC_20261126_01.txt', 'TX202611260000000003'));
  });
  afterAll(async () => {
    await f?.close();
    await sshd?.stop();
  });

  it('refuses a backslash name and an over-long name; the genuine file is applied and the poll completes', async () => {
    expect(Buffer.byteLength(longName)).toBe(250);
    const result = await f.poll(bank);
    expect(result.rejectedNames.map((n) => JSON.parse(n)).sort()).toEqual(
      ['..\\REC_20261126_win.txt', longName].sort(),
    );
    expect(result.applied.map((a) => a.name)).toEqual(['REC_20261126_01.txt']);
    expect(await exceptionsOf(f, 'rejected_remote_name')).toHaveLength(2);
    expect(f.filesUnder(f.dataDir)).toEqual([
      expect.stringMatching(/^inbound\/openssh\/[0-9a-f]{16}-REC_20261126_01\.txt$/),
    ]);
    // the bank's files are left where they are
    expect(readFileSync(join(bank.download_path, longName)).length).toBeGreaterThan(0);
  });
});
