/**
 * A bank password rotated while the old one sits in the secret cache: the server refuses the cached one, the
 * pool reads the credential once more past the cache (audited), connects, and the cache now holds the new value.
 * A credential refused twice is the critical `auth_failed` (manual intervention), after exactly one fresh read.
 * Real parts: the file secret store with its TTL cache and audit, and an asyncssh server on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSecretStore, type SecretAuditEntry, withAudit, withCache } from '../src/infra/secrets/index.ts';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import {
  ASYNCSSH_PASSWORD,
  type AsyncsshHandle,
  asyncsshBank,
  asyncsshSkipReason,
  startAsyncssh,
} from './support/asyncssh.ts';
import { failure } from './support/sftp-interop-suite.ts';

const skip = asyncsshSkipReason();
if (skip) console.warn(`credential re-read tests skipped: ${skip}`);

describe.skipIf(skip)('authentication refused: the credential is read again past the cache, once', () => {
  let server: AsyncsshHandle;
  let dir: string;
  beforeAll(async () => {
    server = await startAsyncssh();
    dir = mkdtempSync(join(tmpdir(), 'secret-reread-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const storeWith = (audit: SecretAuditEntry[]) =>
    withAudit(withCache(createFileSecretStore({ dir }), { ttlSeconds: 300 }), (e) => {
      audit.push(e);
    });
  const bank = () => asyncsshBank(server, { auth: { method: 'password', password_secret: 'bank-sftp-password' } });

  it('a password rotated since it was cached is picked up without an operator', async () => {
    const audit: SecretAuditEntry[] = [];
    const store = storeWith(audit);
    writeFileSync(join(dir, 'bank-sftp-password'), 'the-old-password');
    expect((await store.get('bank-sftp-password')).value).toBe('the-old-password');
    // the rotation, done by another tool: the cache still holds the old value
    writeFileSync(join(dir, 'bank-sftp-password'), ASYNCSSH_PASSWORD);
    expect((await store.get('bank-sftp-password')).value).toBe('the-old-password');

    const fresh: string[] = [];
    const sftp = createBankSftp(bank(), {
      getSecret: async (name) => (await store.get(name)).value,
      getFreshSecret: async (name) => {
        fresh.push(name);
        return (await store.getFresh!(name)).value;
      },
    });
    try {
      const report = await sftp.pool.use(async (conn) => conn.realpath('.'));
      expect(report).toBe('/');
      expect(fresh).toEqual(['bank-sftp-password']);
      expect((await store.get('bank-sftp-password')).value).toBe(ASYNCSSH_PASSWORD);
      expect(audit.map((e) => e.result)).toEqual(['ok', 'cached', 'cached', 'ok', 'cached']);
    } finally {
      await sftp.end();
    }
  });

  it('a credential refused again after the fresh read is critical auth_failed, read afresh only once', async () => {
    writeFileSync(join(dir, 'bank-sftp-password'), 'still-wrong');
    const store = storeWith([]);
    let freshReads = 0;
    const sftp = createBankSftp(bank(), {
      getSecret: async (name) => (await store.get(name)).value,
      getFreshSecret: async (name) => {
        freshReads++;
        return (await store.getFresh!(name)).value;
      },
    });
    try {
      const error = await failure(sftp.pool.use(async (conn) => conn.realpath('.')));
      expect(error).toMatchObject({ code: 'auth_failed', retryClass: 'critical' });
      expect(error.message).toMatch(/again after reading the credential anew from the secret store/);
      expect(freshReads).toBe(1);
    } finally {
      await sftp.end();
    }
  });
});
