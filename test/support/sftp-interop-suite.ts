/**
 * The behaviour every bank server must show with our client, as one vitest suite run against each server
 * implementation (ProFTPD, asyncssh, legacy OpenSSH): upload with no temp file left, idempotent re-upload,
 * conflict (critical, never overwritten), listing with untrusted names reported, the stability rule, download,
 * a 12 MB round trip checked by SHA-256 on both sides, and the connection test's probe. The server is reached
 * through `server()`, set up by the calling file's beforeAll; `local(dir, name)` is where a remote file of the
 * bank's upload or download path lies on this machine's disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../../src/domain/failure.ts';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { type BankSftp, createBankSftp } from '../../src/infra/sftp/bank-sftp.ts';

export interface InteropServer {
  bank: BankConfig;
  getSecret: (name: string) => Promise<string>;
  /** Local directories behind the bank's upload_path and download_path. */
  uploadDir: string;
  downloadDir: string;
  /** Scratch dir on this machine for local files. */
  scratch: string;
}

export const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function failure(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('expected a failure');
}

export const INTEROP_SETTINGS = {
  pool_max: 2,
  connect_timeout_ms: 10_000,
  operation_timeout_ms: 30_000,
  stability_interval_ms: 5_000,
};

export function interopSuite(label: string, server: () => InteropServer): void {
  describe(`${label}: upload, listing, download`, () => {
    // the same server may serve several runs of this suite (password, then key)
    beforeAll(() => {
      const s = server();
      for (const dir of [s.uploadDir, s.downloadDir]) {
        for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      }
    });

    const withSftp = async <T>(work: (sftp: BankSftp, s: InteropServer) => Promise<T>): Promise<T> => {
      const s = server();
      const sftp = createBankSftp(s.bank, { getSecret: s.getSecret, settings: INTEROP_SETTINGS });
      try {
        return await work(sftp, s);
      } finally {
        await sftp.end();
      }
    };

    it('uploads under the final name with no temp file left; a re-upload is recognised as done', async () => {
      await withSftp(async (sftp, s) => {
        const bytes = randomBytes(200_000);
        const first = await sftp.upload({ remoteName: 'PAY_20261125_0001.txt', source: { bytes } });
        expect(first).toMatchObject({ status: 'uploaded', bytes: bytes.length, sha256: sha(bytes) });
        expect(readFileSync(join(s.uploadDir, 'PAY_20261125_0001.txt')).equals(bytes)).toBe(true);
        expect(readdirSync(s.uploadDir).filter((n) => n.includes('0001'))).toEqual(['PAY_20261125_0001.txt']);
        const again = await sftp.upload({ remoteName: 'PAY_20261125_0001.txt', source: { bytes } });
        expect(again).toMatchObject({ status: 'already_done', verifiedBy: 'sha256', sha256: sha(bytes) });
      });
    });

    it('same name, different content (same size or not): critical remote_conflict, the bank file unchanged', async () => {
      await withSftp(async (sftp, s) => {
        const original = Buffer.from('batch 2, first version\n');
        await sftp.upload({ remoteName: 'PAY_20261125_0002.txt', source: { bytes: original } });
        for (const other of [Buffer.from('batch 2, other version\n'), Buffer.from('batch 2, a longer version\n')]) {
          const error = await failure(sftp.upload({ remoteName: 'PAY_20261125_0002.txt', source: { bytes: other } }));
          expect(error).toMatchObject({ code: 'remote_conflict', retryClass: 'critical' });
        }
        expect(readFileSync(join(s.uploadDir, 'PAY_20261125_0002.txt')).equals(original)).toBe(true);
        expect(readdirSync(s.uploadDir).filter((n) => n.includes('0002'))).toEqual(['PAY_20261125_0002.txt']);
      });
    });

    it('lists matching files, reports control and bidi names, skips dot files; stability rule', async () => {
      await withSftp(async (sftp, s) => {
        writeFileSync(join(s.downloadDir, 'REC_20261125_01.txt'), 'a');
        writeFileSync(join(s.downloadDir, 'REC_20261125_02.txt'), 'bb');
        writeFileSync(join(s.downloadDir, '.REC_20261125_03.txt.part'), 'partial');
        writeFileSync(join(s.downloadDir, 'REC_20261125_\u202etxt.exe'), 'looks like REC_20261125_exe.txt');
        writeFileSync(join(s.downloadDir, 'REC_20261125_\u200b04.txt'), 'zero-width space');
        const listing = await sftp.list({ date: '2026-11-25' });
        expect(listing.files.map((f) => [f.name, f.size])).toEqual([
          ['REC_20261125_01.txt', 1],
          ['REC_20261125_02.txt', 2],
        ]);
        expect(listing.rejected.map((r) => r.reason).sort()).toEqual([
          'contains an invisible or bidirectional control character (U+200B)',
          'contains an invisible or bidirectional control character (U+202E)',
        ]);

        writeFileSync(join(s.downloadDir, 'REC_20261126_steady.txt'), 'complete\n');
        writeFileSync(join(s.downloadDir, 'REC_20261126_growing.txt'), 'first part\n');
        const stable = await sftp.listStable({
          date: '2026-11-26',
          wait: async () => {
            appendFileSync(join(s.downloadDir, 'REC_20261126_growing.txt'), 'second part\n');
          },
        });
        expect(stable.stable.map((f) => f.name)).toEqual(['REC_20261126_steady.txt']);
        expect(stable.pending.map((f) => f.name)).toEqual(['REC_20261126_growing.txt']);
      });
    });

    it('12 MB round trip: upload from disk, download back, SHA-256 equal here, at the bank and back', async () => {
      await withSftp(async (sftp, s) => {
        const bytes = randomBytes(12 * 1024 * 1024 + 333);
        const local = join(s.scratch, 'round-trip.bin');
        writeFileSync(local, bytes);
        const up = await sftp.upload({ remoteName: 'PAY_20261125_0012.txt', source: { bytes: readFileSync(local) } });
        expect(up).toMatchObject({ status: 'uploaded', bytes: bytes.length, sha256: sha(bytes) });
        expect(sha(readFileSync(join(s.uploadDir, 'PAY_20261125_0012.txt')))).toBe(sha(bytes));
        writeFileSync(join(s.downloadDir, 'REC_20261125_big.txt'), bytes);
        const back = memorySink();
        const down = await sftp.download('REC_20261125_big.txt', back);
        expect(down.sha256).toBe(sha(bytes));
        expect(sha(back.bytes())).toBe(sha(bytes));
      });
    });

    it('the connection test lists, writes, renames and removes in the upload path, each step reported', async () => {
      await withSftp(async (sftp, s) => {
        const report = await sftp.testConnection();
        expect(report.error).toBeUndefined();
        expect(report.ok).toBe(true);
        expect(report.probe.map((p) => [p.step, p.ok])).toEqual([
          ['list', true],
          ['write', true],
          ['stat', true],
          ['rename', true],
          ['remove', true],
        ]);
        expect(report.hostKey.matchesPin).toBe(true);
        expect(report.hostKey.algorithm).toBe(report.algorithms?.serverHostKey);
        expect(readdirSync(s.uploadDir).filter((n) => n.startsWith('.connection-test'))).toEqual([]);
      });
    });
  });
}

/** A download destination that keeps what arrives, for comparing it with what the bank holds. */
export function memorySink(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}
