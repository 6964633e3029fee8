/**
 * An OpenSSH server offering only legacy algorithms (SHA-1 `ssh-rsa` host key, diffie-hellman-group14-sha1,
 * AES-CBC, HMAC-SHA1), and one offering modern kex but only the `ssh-rsa` host key: both refused by default with
 * an error that says what the server offers, both accepted once the bank's `algorithms` allows them (then the
 * common suite runs against the legacy one).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { testConnection } from '../src/infra/sftp/test-connection.ts';
import { LEGACY_ALGORITHMS, startLegacySshd } from './support/legacy-sshd.ts';
import { failure, INTEROP_SETTINGS, interopSuite } from './support/sftp-interop-suite.ts';
import { type SshdHandle, sshdBank, sshdSecrets } from './support/sshd.ts';

const skip = existsSync('/usr/sbin/sshd') ? undefined : '/usr/sbin/sshd is not installed (openssh-server)';
if (skip) console.warn(`legacy OpenSSH interop tests skipped: ${skip}`);

describe.skipIf(skip)('OpenSSH offering only legacy algorithms', () => {
  let sshd: SshdHandle;
  let scratch: string;
  beforeAll(async () => {
    sshd = await startLegacySshd();
    scratch = mkdtempSync(join(tmpdir(), 'legacy-interop-'));
    for (const dir of ['upload', 'download']) mkdirSync(join(sshd.filesDir, dir), { recursive: true });
  });
  afterAll(async () => {
    await sshd?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is refused by default: handshake_failed, naming what the server offers', async () => {
    const error = await failure(openSftpConnection(sshdBank(sshd), { getSecret: sshdSecrets(sshd) }));
    expect(error).toMatchObject({ code: 'handshake_failed', retryClass: 'backoff' });
    expect(error.message).toMatch(/no matching key exchange algorithm/);
    const report = await testConnection(sshdBank(sshd), { getSecret: sshdSecrets(sshd) });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('handshake_failed');
    // ssh2 stops at the first list without a match (kex), so the host key list is not reached
    expect(report.serverOffer).toEqual({ kex: 'diffie-hellman-group14-sha1' });
    expect(report.error?.message).toMatch(/\(server offers kex: diffie-hellman-group14-sha1\)/);
  });

  it("with the bank's algorithms it connects and says what was negotiated", async () => {
    const bank = sshdBank(sshd, { algorithms: LEGACY_ALGORITHMS });
    const sftp = createBankSftp(bank, { getSecret: sshdSecrets(sshd), settings: INTEROP_SETTINGS });
    try {
      const report = await sftp.testConnection();
      expect(report.ok).toBe(true);
      expect(report.algorithms).toMatchObject({
        kex: 'diffie-hellman-group14-sha1',
        serverHostKey: 'ssh-rsa',
        cipher: expect.stringMatching(/^aes(128|256)-cbc$/),
        mac: 'hmac-sha1',
      });
      expect(report.hostKey).toMatchObject({ algorithm: 'ssh-rsa', matchesPin: true });
    } finally {
      await sftp.end();
    }
  });

  interopSuite('legacy OpenSSH with the bank algorithms', () => ({
    bank: sshdBank(sshd, { algorithms: LEGACY_ALGORITHMS }),
    getSecret: sshdSecrets(sshd),
    uploadDir: join(sshd.filesDir, 'upload'),
    downloadDir: join(sshd.filesDir, 'download'),
    scratch,
  }));
});

describe.skipIf(skip)('OpenSSH whose only host key algorithm is SHA-1 ssh-rsa', () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startLegacySshd({ hostKeyOnly: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('is refused by default, and the error says why and what to set', async () => {
    const error = await failure(openSftpConnection(sshdBank(sshd), { getSecret: sshdSecrets(sshd) }));
    expect(error).toMatchObject({ code: 'handshake_failed' });
    expect(error.message).toMatch(/no matching host key format/);
    expect(error.message).toMatch(/SHA-1 ssh-rsa is refused unless the bank lists it in algorithms\.serverHostKey/);
    const report = await testConnection(sshdBank(sshd), { getSecret: sshdSecrets(sshd) });
    expect(report.ok).toBe(false);
    expect(report.serverOffer?.hostKey).toBe('ssh-rsa');
    expect(report.error?.message).toMatch(/server offers host keys: ssh-rsa; kex: /);
  });

  it("is accepted when the bank's algorithms.serverHostKey lists ssh-rsa, and the report names it", async () => {
    const bank = sshdBank(sshd, { algorithms: { serverHostKey: ['ssh-rsa'] } });
    mkdirSync(bank.upload_path, { recursive: true });
    const report = await testConnection(bank, { getSecret: sshdSecrets(sshd) });
    expect(report.error).toBeUndefined();
    expect(report.hostKey).toMatchObject({ algorithm: 'ssh-rsa', matchesPin: true });
    // the rest of the negotiation stays modern
    expect(report.algorithms?.kex).not.toMatch(/sha1/);
  });
});
