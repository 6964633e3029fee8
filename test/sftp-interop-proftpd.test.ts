/**
 * Interop with ProFTPD's mod_sftp (Debian proftpd-core + proftpd-mod-crypto) on loopback: the common suite with
 * password and with key authentication, then the write-only drop box many banks' inbound directories are
 * (`<Limit READ> DenyAll`: STAT and READ refused, listing allowed), where existence and size come from the
 * listing and a re-upload can only be compared by size.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/infra/config/schema.ts';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { isTempNameFor, uploadFile } from '../src/infra/sftp/upload.ts';
import { createSftpTransport } from '../src/workflows/adapters/sftp-transport.ts';
import { type ProftpdHandle, proftpdBank, proftpdSecrets, proftpdSkipReason, startProftpd } from './support/proftpd.ts';
import { failure, INTEROP_SETTINGS, interopSuite, sha } from './support/sftp-interop-suite.ts';
import { TEST_SFTP_SETTINGS } from './support/test-config.ts';

const skip = proftpdSkipReason();
if (skip) console.warn(`ProFTPD interop tests skipped: ${skip}`);

describe.skipIf(skip)('ProFTPD mod_sftp', () => {
  let ftpd: ProftpdHandle;
  let scratch: string;
  beforeAll(async () => {
    ftpd = await startProftpd();
    scratch = mkdtempSync(join(tmpdir(), 'proftpd-interop-'));
  });
  afterAll(async () => {
    await ftpd?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  const server = (auth: Record<string, unknown>) => () => ({
    bank: proftpdBank(ftpd, { auth }),
    getSecret: proftpdSecrets(ftpd),
    uploadDir: join(ftpd.filesDir, 'upload'),
    downloadDir: join(ftpd.filesDir, 'download'),
    scratch,
  });

  interopSuite('ProFTPD, password', server({ method: 'password', password_secret: 'proftpd-password' }));
  interopSuite('ProFTPD, Ed25519 key', server({ method: 'key', private_key_secret: 'proftpd-key' }));

  describe('write-only drop box (STAT and READ refused, listing allowed)', () => {
    const dropbox = () => join(ftpd.filesDir, 'dropbox');
    const sftpFor = () =>
      createBankSftp(proftpdBank(ftpd, { upload_path: '/dropbox' }), {
        getSecret: proftpdSecrets(ftpd),
        settings: INTEROP_SETTINGS,
      });

    it('the server really refuses STAT and READ there (the premise of the tests below)', async () => {
      writeFileSync(join(dropbox(), 'PAY_premise.txt'), 'x');
      const conn = await openSftpConnection(proftpdBank(ftpd), { getSecret: proftpdSecrets(ftpd) });
      try {
        expect(await failure(conn.stat('/dropbox/PAY_premise.txt'))).toMatchObject({ code: 'permission_denied' });
        expect(await failure(conn.open('/dropbox/PAY_premise.txt', 'r'))).toMatchObject({ code: 'permission_denied' });
        expect((await conn.readdir('/dropbox')).map((e) => e.filename)).toContain('PAY_premise.txt');
      } finally {
        await conn.close();
        rmSync(join(dropbox(), 'PAY_premise.txt'));
      }
    });

    it('uploads, recognises a re-upload by size, and refuses a different size as a conflict', async () => {
      const sftp = sftpFor();
      try {
        const bytes = randomBytes(3 * 1024 * 1024 + 5);
        const up = await sftp.upload({ remoteName: 'PAY_20261125_0101.txt', source: { bytes } });
        expect(up).toMatchObject({ status: 'uploaded', sha256: sha(bytes) });
        expect(sha(readFileSync(join(dropbox(), 'PAY_20261125_0101.txt')))).toBe(sha(bytes));
        expect(readdirSync(dropbox()).filter((n) => n.includes('0101'))).toEqual(['PAY_20261125_0101.txt']);

        const again = await sftp.upload({ remoteName: 'PAY_20261125_0101.txt', source: { bytes } });
        // the bank's copy cannot be read back: size is all there is to compare
        expect(again).toMatchObject({ status: 'already_done', verifiedBy: 'size' });

        const longer = Buffer.concat([bytes, Buffer.from('x')]);
        const conflict = await failure(sftp.upload({ remoteName: 'PAY_20261125_0101.txt', source: { bytes: longer } }));
        expect(conflict).toMatchObject({ code: 'remote_conflict', retryClass: 'critical' });
        expect(sha(readFileSync(join(dropbox(), 'PAY_20261125_0101.txt')))).toBe(sha(bytes));
      } finally {
        await sftp.end();
      }
    });

    it('removes the temp files a dropped attempt left once the name is uploaded', async () => {
      const name = 'PAY_20261125_0102.txt';
      const bytes = randomBytes(500_000);
      const conn = await openSftpConnection(proftpdBank(ftpd), { getSecret: proftpdSecrets(ftpd) });
      // an attempt whose connection dies just before the rename: its complete temp file stays behind
      const dropped = await failure(
        uploadFile(conn, {
          remoteDir: '/dropbox',
          remoteName: name,
          source: { bytes },
          beforeRename: async () => {
            conn.destroy();
          },
        }),
      );
      expect(dropped).toMatchObject({ retryClass: 'backoff' });
      const left = readdirSync(dropbox()).filter((n) => n.includes('0102'));
      expect(left).toHaveLength(1);
      expect(isTempNameFor(name, left[0] ?? '')).toBe(true);

      const sftp = sftpFor();
      try {
        expect((await sftp.upload({ remoteName: name, source: { bytes } })).status).toBe('uploaded');
      } finally {
        await sftp.end();
      }
      expect(readdirSync(dropbox()).filter((n) => n.includes('0102'))).toEqual([name]);
    });

    it('the bank health check passes although STAT of the drop box directory itself is refused', async () => {
      const bank = proftpdBank(ftpd, { upload_path: '/dropbox' });
      const conn = await openSftpConnection(bank, { getSecret: proftpdSecrets(ftpd) });
      try {
        expect(await failure(conn.stat('/dropbox'))).toMatchObject({ code: 'permission_denied' });
      } finally {
        await conn.close();
      }
      const transport = createSftpTransport(
        { sftp: { ...TEST_SFTP_SETTINGS, pool_max: 1 }, sandbox: { dir: ftpd.dir } } as unknown as Pick<
          Config,
          'sftp' | 'sandbox'
        >,
        proftpdSecrets(ftpd),
      );
      try {
        const health = await transport.healthCheck(bank);
        expect(health.latencyMs).toBeGreaterThan(0);
      } finally {
        await transport.end();
      }
    });

    it('the connection test passes there and says STAT is refused', async () => {
      const sftp = sftpFor();
      try {
        const report = await sftp.testConnection();
        expect(report.ok).toBe(true);
        expect(report.probe.map((p) => [p.step, p.ok])).toEqual([
          ['list', true],
          ['write', true],
          ['stat', true],
          ['rename', true],
          ['remove', true],
        ]);
        expect(report.probe.find((p) => p.step === 'stat')?.detail).toMatch(/STAT refused/);
      } finally {
        await sftp.end();
      }
    });
  });
});
