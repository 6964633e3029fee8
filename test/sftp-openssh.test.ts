/**
 * The SFTP client against a real OpenSSH server (sshd started by the test): uploads, idempotency, conflicts,
 * downloads, listings, the stability rule, host key pinning and authentication.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../src/domain/failure.ts';
import { type BankSftp, createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { testConnection } from '../src/infra/sftp/test-connection.ts';
import { PASSWORD_USER, type SshdHandle, sshdBank, sshdSecrets, startSshd } from './support/sshd.ts';

let sshd: SshdHandle;
let sftp: BankSftp;
const discard = () => ({
  sink: new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  }),
});
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function failure(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  sshd = await startSshd();
  const bank = sshdBank(sshd);
  mkdirSync(bank.upload_path, { recursive: true });
  mkdirSync(bank.download_path, { recursive: true });
  sftp = createBankSftp(bank, { getSecret: sshdSecrets(sshd), settings: { stability_interval_ms: 5_000 } });
});

afterAll(async () => {
  await sftp?.end();
  await sshd?.stop();
});

describe('upload to OpenSSH', () => {
  it('writes the file under its final name with no temp file left, then recognises a re-upload as done', async () => {
    const bytes = randomBytes(300_000);
    const first = await sftp.upload({ remoteName: 'PAY_20261125_0001.txt', source: { bytes } });
    expect(first).toMatchObject({ status: 'uploaded', bytes: bytes.length, sha256: sha(bytes) });
    const uploadDir = join(sshd.filesDir, 'upload');
    expect(readFileSync(join(uploadDir, 'PAY_20261125_0001.txt')).equals(bytes)).toBe(true);
    expect(readdirSync(uploadDir).filter((n) => n.endsWith('.part'))).toEqual([]);

    const again = await sftp.upload({ remoteName: 'PAY_20261125_0001.txt', source: { bytes } });
    expect(again).toMatchObject({ status: 'already_done', verifiedBy: 'sha256', sha256: sha(bytes) });
  });

  it('refuses to overwrite the same name with different content (critical remote_conflict)', async () => {
    const original = Buffer.from('batch 2, first version\n');
    await sftp.upload({ remoteName: 'PAY_20261125_0002.txt', source: { bytes: original } });
    for (const other of [Buffer.from('batch 2, second version\n'), Buffer.from('batch 2, longer second version\n')]) {
      const error = await failure(sftp.upload({ remoteName: 'PAY_20261125_0002.txt', source: { bytes: other } }));
      expect(error).toMatchObject({ code: 'remote_conflict', retryClass: 'critical' });
    }
    expect(readFileSync(join(sshd.filesDir, 'upload', 'PAY_20261125_0002.txt')).equals(original)).toBe(true);
  });

  it('pipelines writes (16 in flight) or sends them one at a time, and the bank gets identical bytes', async () => {
    // many times the request size and the requests in flight
    const bytes = randomBytes(6 * 1024 * 1024 + 17);
    const serial = createBankSftp(sshdBank(sshd, { max_outstanding_requests: 1 }), { getSecret: sshdSecrets(sshd) });
    try {
      const a = await serial.upload({ remoteName: 'PAY_20261125_0003.txt', source: { bytes } });
      const b = await sftp.upload({ remoteName: 'PAY_20261125_0004.txt', source: { bytes } });
      expect(a.sha256).toBe(sha(bytes));
      expect(b.sha256).toBe(sha(bytes));
      for (const name of ['PAY_20261125_0003.txt', 'PAY_20261125_0004.txt']) {
        expect(sha(readFileSync(join(sshd.filesDir, 'upload', name)))).toBe(sha(bytes));
      }
      // the re-upload check reads the remote file back and must find it identical, and a same-size
      // different file must not be
      const again = await serial.upload({ remoteName: 'PAY_20261125_0004.txt', source: { bytes } });
      expect(again).toMatchObject({ status: 'already_done', verifiedBy: 'sha256', sha256: sha(bytes) });
      const changed = Buffer.from(bytes);
      changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1);
      const error = await failure(sftp.upload({ remoteName: 'PAY_20261125_0004.txt', source: { bytes: changed } }));
      expect(error).toMatchObject({ code: 'remote_conflict', retryClass: 'critical' });
    } finally {
      await serial.end();
    }
  });

  it('rejects an untrusted remote name before touching the server', async () => {
    const error = await failure(sftp.upload({ remoteName: '../PAY_x.txt', source: { bytes: Buffer.from('x') } }));
    expect(error).toMatchObject({ code: 'untrusted_name', retryClass: 'critical' });
  });
});

describe('listing and download from OpenSSH', () => {
  const downloadDir = () => join(sshd.filesDir, 'download');

  it('lists matching regular files, reports untrusted names, skips dot files and directories', async () => {
    writeFileSync(join(downloadDir(), 'REC_20261125_01.txt'), 'a');
    writeFileSync(join(downloadDir(), 'REC_20261125_02.txt'), 'bb');
    writeFileSync(join(downloadDir(), 'REC_20261124_01.txt'), 'older');
    writeFileSync(join(downloadDir(), '.REC_20261125_03.txt.part'), 'partial');
    writeFileSync(join(downloadDir(), 'REC_20261125_\u0007bell.txt'), 'evil');
    writeFileSync(join(downloadDir(), 'REC_20261125_back\\slash.txt'), 'evil');
    mkdirSync(join(downloadDir(), 'REC_20261125_dir.txt'), { recursive: true });

    const listing = await sftp.list({ date: '2026-11-25' });
    expect(listing.files.map((f) => [f.name, f.size])).toEqual([
      ['REC_20261125_01.txt', 1],
      ['REC_20261125_02.txt', 2],
    ]);
    expect(listing.rejected.map((r) => r.reason).sort()).toEqual([
      'contains a control character',
      'contains a path separator',
    ]);
    const anyDate = await sftp.list();
    expect(anyDate.files.map((f) => f.name)).toContain('REC_20261124_01.txt');
  });

  it('counts a file only when its size is unchanged across two listings (stability rule)', async () => {
    writeFileSync(join(downloadDir(), 'REC_20261126_steady.txt'), 'complete\n');
    writeFileSync(join(downloadDir(), 'REC_20261126_growing.txt'), 'first part\n');
    const waited: number[] = [];
    const result = await sftp.listStable({
      date: '2026-11-26',
      wait: async (ms) => {
        waited.push(ms);
        appendFileSync(join(downloadDir(), 'REC_20261126_growing.txt'), 'second part\n');
        writeFileSync(join(downloadDir(), 'REC_20261126_new.txt'), 'arrived between listings');
      },
    });
    expect(waited).toEqual([5_000]);
    expect(result.stable.map((f) => f.name)).toEqual(['REC_20261126_steady.txt']);
    expect(result.pending.map((f) => f.name).sort()).toEqual(['REC_20261126_growing.txt', 'REC_20261126_new.txt']);
  });

  it('downloads to a stream with the SHA-256 of the content', async () => {
    // more chunks than requests in flight
    const bytes = randomBytes(9 * 1024 * 1024 + 5);
    writeFileSync(join(downloadDir(), 'REC_20261127_big.txt'), bytes);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const toStream = await sftp.download('REC_20261127_big.txt', { sink });
    expect(toStream).toMatchObject({ bytes: bytes.length, sha256: sha(bytes) });
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('moves or deletes a processed file, and refuses untrusted names for download', async () => {
    writeFileSync(join(downloadDir(), 'REC_20261128_a.txt'), 'a');
    writeFileSync(join(downloadDir(), 'REC_20261128_b.txt'), 'b');
    mkdirSync(join(downloadDir(), 'done'), { recursive: true });
    await sftp.dispose('REC_20261128_a.txt', { action: 'move', toDir: join(downloadDir(), 'done') });
    await sftp.dispose('REC_20261128_b.txt', { action: 'delete' });
    expect(existsSync(join(downloadDir(), 'done', 'REC_20261128_a.txt'))).toBe(true);
    expect(existsSync(join(downloadDir(), 'REC_20261128_a.txt'))).toBe(false);
    expect(existsSync(join(downloadDir(), 'REC_20261128_b.txt'))).toBe(false);
    const error = await failure(sftp.download('../../etc/passwd', discard()));
    expect(error.code).toBe('untrusted_name');
    const missing = await failure(sftp.download('REC_20261128_gone.txt', discard()));
    expect(missing).toMatchObject({ code: 'no_such_path', retryClass: 'backoff' });
  });
});

describe('host keys and authentication against OpenSSH', () => {
  it('refuses a server whose host key matches no pin (critical host_key_mismatch)', async () => {
    const bank = sshdBank(sshd, { host_key_sha256: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] });
    const error = await failure(openSftpConnection(bank, { getSecret: sshdSecrets(sshd) }));
    expect(error).toMatchObject({ code: 'host_key_mismatch', retryClass: 'critical' });
    expect(error.message).toContain(sshd.hostKeyFingerprint);
  });

  it('accepts any of several pins (key rotation)', async () => {
    const bank = sshdBank(sshd, {
      host_key_sha256: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', sshd.hostKeyFingerprint],
    });
    const conn = await openSftpConnection(bank, { getSecret: sshdSecrets(sshd) });
    expect(conn.info.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
    await conn.close();
  });

  it('refuses a bank without a pin unless insecure_accept_any_host_key is set', async () => {
    const bank = { ...sshdBank(sshd), host_key_sha256: undefined };
    const error = await failure(openSftpConnection(bank, { getSecret: sshdSecrets(sshd) }));
    expect(error).toMatchObject({ code: 'host_key_not_pinned', retryClass: 'critical' });
    const insecure = await openSftpConnection(
      { ...bank, insecure_accept_any_host_key: true },
      { getSecret: sshdSecrets(sshd) },
    );
    await insecure.close();
  });

  it('logs in with a password, and a wrong password is a critical auth_failed', async () => {
    const user = { sftp_username: PASSWORD_USER, upload_path: '/var/tmp/banksftp-test' };
    const good = await openSftpConnection(
      sshdBank(sshd, { ...user, auth: { method: 'password', password_secret: 'test-password' } }),
      { getSecret: sshdSecrets(sshd) },
    );
    expect(await good.realpath('.')).toBe('/var/tmp/banksftp-test');
    await good.close();
    const error = await failure(
      openSftpConnection(sshdBank(sshd, { ...user, auth: { method: 'password', password_secret: 'wrong-password' } }), {
        getSecret: sshdSecrets(sshd),
      }),
    );
    expect(error).toMatchObject({ code: 'auth_failed', retryClass: 'critical' });
  });

  it('logs in with an RSA key protected by a passphrase; a missing passphrase is auth_failed', async () => {
    const rsa = { method: 'key', private_key_secret: 'test-rsa', passphrase_secret: 'test-rsa-passphrase' };
    const conn = await openSftpConnection(sshdBank(sshd, { auth: rsa }), { getSecret: sshdSecrets(sshd) });
    await conn.close();
    const error = await failure(
      openSftpConnection(sshdBank(sshd, { auth: { method: 'key', private_key_secret: 'test-rsa' } }), {
        getSecret: sshdSecrets(sshd),
      }),
    );
    expect(error).toMatchObject({ code: 'auth_failed', retryClass: 'critical' });
  });

  it('reports the connection test: banner, algorithms, pin match, extensions, writable upload path', async () => {
    const report = await sftp.testConnection();
    expect(report.ok).toBe(true);
    expect(report.serverBanner).toMatch(/^OpenSSH_/);
    expect(report.algorithms?.cipher).toBeTruthy();
    expect(report.hostKey).toMatchObject({ fingerprint: sshd.hostKeyFingerprint, matchesPin: true });
    expect(report.sftpExtensions).toContain('posix-rename@openssh.com');
    expect(report.uploadPath.writable).toBe(true);
    expect(readdirSync(join(sshd.filesDir, 'upload')).filter((n) => n.startsWith('.connection-test'))).toEqual([]);

    const mismatch = await testConnection(
      sshdBank(sshd, { host_key_sha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      { getSecret: sshdSecrets(sshd) },
    );
    expect(mismatch).toMatchObject({
      ok: false,
      hostKey: { fingerprint: sshd.hostKeyFingerprint, matchesPin: false },
      error: { code: 'host_key_mismatch', retryClass: 'critical' },
    });
  });
});
