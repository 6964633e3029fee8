/**
 * Transfers across a WAN that fails, through the loopback proxy of test/support/wan-proxy.ts in front of ProFTPD:
 * a black-holed upload times out within `sftp.operation_timeout_ms`, its connection is discarded and the retry
 * delivers exactly one complete file; a reset download fails with the reset as its recorded cause and the retry
 * returns the whole file once; a rename whose reply is lost (the server did it, we timed out) and a rename the
 * server finishes late, while a retry is writing, never leave a partial file under the final name.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { isTempNameFor, uploadFile } from '../src/infra/sftp/upload.ts';
import { type ProftpdHandle, proftpdBank, proftpdSecrets, proftpdSkipReason, startProftpd } from './support/proftpd.ts';
import { failure, memorySink, sha } from './support/sftp-interop-suite.ts';
import { startWanProxy, type WanProxy } from './support/wan-proxy.ts';

const skip = proftpdSkipReason();
if (skip) console.warn(`WAN interop tests skipped: ${skip}`);

// long enough that a loaded CI machine (two shared cores) does not time out a healthy request
const OPERATION_TIMEOUT_MS = 2_500;
const SETTINGS = { pool_max: 1, connect_timeout_ms: 5_000, operation_timeout_ms: OPERATION_TIMEOUT_MS };

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : -1);

describe.skipIf(skip)('SFTP across a failing WAN (ProFTPD behind the proxy)', () => {
  let ftpd: ProftpdHandle;
  let proxy: WanProxy;
  let scratch: string;
  const uploadDir = () => join(ftpd.filesDir, 'upload');
  // The operation timeout runs per request, queueing included: with 4 requests of 255 KB in flight the last reply
  // is due 0.5 s after it was sent at the tests' 2 MB/s, well inside the timeout; the default 16 (4 MB) would
  // take 2 s there, too close to 2.5 s on a loaded machine.
  const throughProxy = () =>
    createBankSftp(proftpdBank(ftpd, { sftp_port: proxy.port, max_outstanding_requests: 4 }), {
      getSecret: proftpdSecrets(ftpd),
      settings: SETTINGS,
    });

  beforeAll(async () => {
    ftpd = await startProftpd();
    scratch = mkdtempSync(join(tmpdir(), 'wan-interop-'));
  });
  afterAll(async () => {
    await ftpd?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  afterEach(async () => {
    await proxy?.close();
  });

  it('black-holed upload: timeout within the operation timeout, connection discarded, retry delivers once', async () => {
    proxy = await startWanProxy({ target: { port: ftpd.port }, delayMs: 5, bytesPerSecond: 4 * 1024 * 1024 });
    const sftp = throughProxy();
    const name = 'PAY_20261125_0201.txt';
    const bytes = randomBytes(6 * 1024 * 1024);
    try {
      const attempt = failure(sftp.upload({ remoteName: name, source: { bytes } }));
      await until(() => {
        const temp = readdirSync(uploadDir()).find((n) => isTempNameFor(name, n));
        return temp !== undefined && sizeOf(join(uploadDir(), temp)) > 1024 * 1024;
      }, 'a first megabyte is at the bank');
      proxy.blackHole();
      const holedAt = performance.now();
      const error = await attempt;
      const waited = performance.now() - holedAt;
      expect(error).toMatchObject({ code: 'timeout', retryClass: 'retry_now' });
      // bounded by the operation timeout (plus the writes queued before the link died), not by TCP's minutes
      expect(waited).toBeLessThan(OPERATION_TIMEOUT_MS * 4);
      expect(sftp.stats()).toMatchObject({ active: 0, idle: 0 });
      expect(existsSync(join(uploadDir(), name))).toBe(false);

      proxy.blackHole(false);
      const retry = await sftp.upload({ remoteName: name, source: { bytes } });
      expect(retry).toMatchObject({ status: 'uploaded', sha256: sha(bytes) });
      expect(readdirSync(uploadDir()).filter((n) => n.includes('0201'))).toEqual([name]);
      expect(sha(readFileSync(join(uploadDir(), name)))).toBe(sha(bytes));
      expect(proxy.stats().connections).toBe(2);
    } finally {
      await sftp.end();
    }
  });

  it('reset download: the reset is the recorded cause, the retry returns the whole file once', async () => {
    proxy = await startWanProxy({ target: { port: ftpd.port }, bytesPerSecond: 4 * 1024 * 1024 });
    const sftp = throughProxy();
    const bytes = randomBytes(6 * 1024 * 1024 + 11);
    const remote = join(ftpd.filesDir, 'download', 'REC_20261125_reset.txt');
    writeFileSync(remote, bytes);
    const results: Array<{ sha256: string; bytes: number }> = [];
    try {
      let received = 0;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > 1024 * 1024) proxy.reset();
          callback();
        },
      });
      const error = await failure(
        sftp.download('REC_20261125_reset.txt', { sink }).then((r) => {
          results.push(r);
        }),
      );
      expect(error).toMatchObject({ code: 'connection_lost', retryClass: 'backoff' });
      // the socket's own error, not ssh2's "No response from server"
      expect(error.message).toMatch(/ECONNRESET/);
      expect(error.message).not.toMatch(/No response from server/);
      expect(sftp.stats()).toMatchObject({ active: 0, idle: 0 });

      const back = memorySink();
      results.push(await sftp.download('REC_20261125_reset.txt', back));
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ sha256: sha(bytes), bytes: bytes.length });
      expect(back.bytes().equals(bytes)).toBe(true);
    } finally {
      await sftp.end();
    }
  });

  it('rename done by the server but its reply lost: timeout, then the retry finds the file complete', async () => {
    proxy = await startWanProxy({ target: { port: ftpd.port } });
    const sftp = throughProxy();
    const name = 'PAY_20261125_0202.txt';
    const final = join(uploadDir(), name);
    const bytes = randomBytes(2 * 1024 * 1024 + 3);
    const sizesSeen: number[] = [];
    try {
      const error = await failure(
        sftp.upload({
          remoteName: name,
          source: { bytes },
          beforeRename: async () => {
            // from now on the link is slow, and it dies the moment the rename has happened at the bank
            proxy.set({ delayMs: 300 });
            void until(() => existsSync(final), 'the rename is done at the bank').then(() => {
              sizesSeen.push(sizeOf(final));
              proxy.blackHole();
            });
          },
        }),
      );
      expect(error).toMatchObject({ code: 'timeout' });
      expect(sizesSeen).toEqual([bytes.length]);

      proxy.blackHole(false);
      proxy.set({ delayMs: 0 });
      const retry = await sftp.upload({ remoteName: name, source: { bytes } });
      expect(retry).toMatchObject({ status: 'already_done', verifiedBy: 'sha256' });
      expect(readdirSync(uploadDir()).filter((n) => n.includes('0202'))).toEqual([name]);
      expect(sha(readFileSync(final))).toBe(sha(bytes));
    } finally {
      await sftp.end();
    }
  });

  it('rename of an earlier attempt finished late, while the retry writes: never a partial file under the name', async () => {
    proxy = await startWanProxy({ target: { port: ftpd.port }, bytesPerSecond: 2 * 1024 * 1024 });
    const name = 'PAY_20261125_0203.txt';
    const final = join(uploadDir(), name);
    const bytes = randomBytes(4 * 1024 * 1024 + 9);
    // attempt 1: its temp file complete, then the connection dies with the rename outstanding
    const conn = await openSftpConnection(proftpdBank(ftpd), { getSecret: proftpdSecrets(ftpd) });
    await failure(
      uploadFile(conn, {
        remoteDir: '/upload',
        remoteName: name,
        source: { bytes },
        beforeRename: async () => conn.destroy(),
      }),
    );
    const first = readdirSync(uploadDir()).find((n) => isTempNameFor(name, n));
    expect(first).toBeDefined();
    expect(sizeOf(join(uploadDir(), first ?? ''))).toBe(bytes.length);

    // attempt 2 (the retry) writes slowly through the proxy; halfway, the bank finishes attempt 1's rename
    const sftp = throughProxy();
    const sizesSeen: number[] = [];
    try {
      const retry = sftp.upload({ remoteName: name, source: { bytes } });
      await until(() => {
        const writing = readdirSync(uploadDir()).find(
          (n) => isTempNameFor(name, n) && sizeOf(join(uploadDir(), n)) < bytes.length,
        );
        return writing !== undefined && sizeOf(join(uploadDir(), writing)) > 1024 * 1024;
      }, 'the retry has written a first megabyte of its temp file');
      renameSync(join(uploadDir(), first ?? ''), final);
      const watch = setInterval(() => sizesSeen.push(sizeOf(final)), 5);
      const result = await retry.finally(() => clearInterval(watch));
      sizesSeen.push(sizeOf(final));
      expect(result).toMatchObject({ status: 'already_done', verifiedBy: 'sha256' });
      expect(new Set(sizesSeen)).toEqual(new Set([bytes.length]));
      expect(sha(readFileSync(final))).toBe(sha(bytes));
      expect(readdirSync(uploadDir()).filter((n) => n.includes('0203'))).toEqual([name]);
    } finally {
      await sftp.end();
    }
  });
});
