/**
 * Fault: the bank's SFTP server dies in the middle of an upload (every sshd process of the server SIGKILLed, as
 * in a crash or an abrupt failover) and comes back on the same address with the same host key. The upload fails
 * with a retryable error (the bank actor backs off, it does not call for an operator); while the server is down
 * and after it is back, the bank never sees a partial file under the final name; the retry, on the same client
 * pool, leaves exactly one file, complete (SHA-256 of our bytes), under its final name and no temp file.
 * Needs root (sshd) only; no database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../../src/domain/failure.ts';
import { type BankSftp, createBankSftp } from '../../src/infra/sftp/bank-sftp.ts';
import { isTempNameFor } from '../../src/infra/sftp/upload.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from '../support/sshd.ts';

let sshd: SshdHandle;
let sftp: BankSftp;
let uploadDir: string;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Large enough that the write takes many round trips, so the kill lands while the temp file is growing.
const SIZE = 48 * 1024 * 1024 + 12_345;

beforeAll(async () => {
  sshd = await startSshd();
  const bank = sshdBank(sshd);
  uploadDir = bank.upload_path;
  mkdirSync(uploadDir, { recursive: true });
  sftp = createBankSftp(bank, {
    getSecret: sshdSecrets(sshd),
    settings: { pool_max: 2, connect_timeout_ms: 5_000, operation_timeout_ms: 20_000 },
  });
});

afterAll(async () => {
  await sftp?.end();
  await sshd?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('the upload succeeded although its server was killed');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('SFTP server killed during an upload, then restarted', () => {
  it('killed while the temp file is being written: the retry delivers one complete file under its final name', async () => {
    const name = 'PAY_20261126_0001.txt';
    const bytes = randomBytes(SIZE);
    // the attempt's own temp name, `.<name>.<attempt>.part`, once it appears
    const temp = () => readdirSync(uploadDir).find((n) => isTempNameFor(name, n));
    const tempSize = () => {
      const found = temp();
      return found ? sizeOf(join(uploadDir, found)) : 0;
    };

    // the handler is attached at once: the upload may fail while the kill is still being awaited
    const first = rejection(sftp.upload({ remoteName: name, source: { bytes } }));
    let sizeAtKill = 0;
    await until(() => tempSize() > 1024 * 1024, 'the temp file holds a first megabyte');
    sizeAtKill = tempSize();
    await sshd.kill();
    const error = await first;

    // the bank actor retries this with backoff; an operator is not needed for a server crash
    expect(error.retryClass).not.toBe('critical');
    expect(sizeAtKill).toBeLessThan(SIZE);
    expect(readdirSync(uploadDir)).not.toContain(name);
    expect(tempSize()).toBeLessThan(SIZE);

    await sshd.restart();
    const retried = await sftp.upload({ remoteName: name, source: { bytes } });
    expect(retried).toMatchObject({ status: 'uploaded', bytes: SIZE, sha256: sha(bytes) });
    expect(readdirSync(uploadDir)).toEqual([name]);
    expect(sha(readFileSync(join(uploadDir, name)))).toBe(sha(bytes));

    // and a third attempt (a retry of a retry) recognises the file and writes nothing
    const again = await sftp.upload({ remoteName: name, source: { bytes } });
    expect(again).toMatchObject({ status: 'already_done', verifiedBy: 'sha256' });
    expect(readdirSync(uploadDir)).toEqual([name]);
  });

  it('killed after the temp file is complete but before the rename: the final name appears once, after the retry', async () => {
    const name = 'PAY_20261126_0002.txt';
    const bytes = randomBytes(2 * 1024 * 1024 + 7);
    const first = sftp.upload({
      remoteName: name,
      source: { bytes },
      beforeRename: async () => {
        await sshd.kill();
      },
    });
    const error = await rejection(first);
    expect(error.retryClass).not.toBe('critical');
    // the complete temp file is there, but never under the name the bank picks up
    const left = readdirSync(uploadDir).filter((n) => n.includes('0002'));
    expect(left).toHaveLength(1);
    expect(isTempNameFor(name, left[0] ?? '')).toBe(true);

    await sshd.restart();
    const retried = await sftp.upload({ remoteName: name, source: { bytes } });
    expect(retried.status).toBe('uploaded');
    expect(readdirSync(uploadDir).filter((n) => n.includes('0002'))).toEqual([name]);
    expect(sha(readFileSync(join(uploadDir, name)))).toBe(sha(bytes));
  });
});
