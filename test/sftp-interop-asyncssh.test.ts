/**
 * Interop with an asyncssh SFTP server (Debian python3-asyncssh, run with /usr/bin/python3) on loopback: the
 * common suite with password and with key authentication.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  type AsyncsshHandle,
  asyncsshBank,
  asyncsshSecrets,
  asyncsshSkipReason,
  startAsyncssh,
} from './support/asyncssh.ts';
import { interopSuite } from './support/sftp-interop-suite.ts';

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
