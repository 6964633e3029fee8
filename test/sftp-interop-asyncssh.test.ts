/**
 * Interop with an asyncssh SFTP server (Debian python3-asyncssh, run with /usr/bin/python3) on loopback: the
 * common suite with password and with key authentication; and the known ssh2 limitation (docs/sftp.md): asyncssh
 * puts an SSH_MSG_IGNORE before its packets once encrypting, also during a rekey it starts, which ssh2 with
 * strict KEX treats as fatal. The recorded error must be that cause, not "No response from server".
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import {
  type AsyncsshHandle,
  asyncsshBank,
  asyncsshSecrets,
  asyncsshSkipReason,
  startAsyncssh,
} from './support/asyncssh.ts';
import { failure, interopSuite, memorySink } from './support/sftp-interop-suite.ts';

const skip = asyncsshSkipReason();
if (skip) console.warn(`asyncssh interop tests skipped: ${skip}`);

describe.skipIf(skip)('asyncssh', () => {
  let server: AsyncsshHandle;
  let scratch: string;
  beforeAll(async () => {
    server = await startAsyncssh();
    scratch = mkdtempSync(join(tmpdir(), 'asyncssh-interop-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  const setup = (auth: Record<string, unknown>) => () => ({
    bank: asyncsshBank(server, { auth }),
    getSecret: asyncsshSecrets(server),
    uploadDir: join(server.filesDir, 'upload'),
    downloadDir: join(server.filesDir, 'download'),
    scratch,
  });

  interopSuite('asyncssh, password', setup({ method: 'password', password_secret: 'asyncssh-password' }));
  interopSuite('asyncssh, Ed25519 key', setup({ method: 'key', private_key_secret: 'asyncssh-key' }));
});

describe.skipIf(skip)('asyncssh rekeying during a download (ssh2 strict-KEX limitation)', () => {
  let server: AsyncsshHandle;
  beforeAll(async () => {
    // the server starts a rekey after every MB it sends
    server = await startAsyncssh({ rekeyBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fails with ssh2's protocol error as the recorded cause, retried with backoff", async () => {
    writeFileSync(join(server.filesDir, 'download', 'REC_20261125_rekey.txt'), randomBytes(4 * 1024 * 1024));
    const sftp = createBankSftp(asyncsshBank(server), { getSecret: asyncsshSecrets(server) });
    try {
      const error = await failure(sftp.download('REC_20261125_rekey.txt', memorySink()));
      expect(error).toMatchObject({ code: 'handshake_failed', retryClass: 'backoff' });
      expect(error.message).toMatch(/Received unexpected packet type 2/);
      expect(error.message).not.toMatch(/No response from server/);
      expect(sftp.stats()).toMatchObject({ active: 0, idle: 0 });
    } finally {
      await sftp.end();
    }
  });
});
