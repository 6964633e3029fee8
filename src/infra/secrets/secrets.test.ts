import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEnvSecretStore,
  createFileSecretStore,
  createGcpSecretStore,
  createSecretStore,
  envVarName,
  type GcpSecretClient,
  type SecretAuditEntry,
} from './index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'secrets-test-'));
  dirs.push(d);
  return d;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'resolved';
}

describe('env store', () => {
  it('maps names to BANKING_SECRET_<NAME> and reads versions from __V<n>', async () => {
    expect(envVarName('ctbc-pgp-private')).toBe('BANKING_SECRET_CTBC_PGP_PRIVATE');
    expect(envVarName('sandbox-mega-sftp.pass')).toBe('BANKING_SECRET_SANDBOX_MEGA_SFTP_PASS');
    const store = createEnvSecretStore({
      env: { BANKING_SECRET_A_B: 'now', BANKING_SECRET_A_B__VERSION: '3', BANKING_SECRET_A_B__V2: 'before' },
    });
    expect(await store.get('a-b')).toEqual({ name: 'a-b', version: '3', value: 'now' });
    expect(await store.get('a-b', '2')).toEqual({ name: 'a-b', version: '2', value: 'before' });
    expect(await codeOf(store.get('missing'))).toBe('secret_missing');
    expect(store.put).toBeUndefined();
  });
});

describe('file store', () => {
  it('reads <dir>/<name> exactly as written by another tool (the sandbox)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sandbox-mega-sftp-password'), 'pw with trailing newline\n');
    const got = await createFileSecretStore({ dir }).get('sandbox-mega-sftp-password');
    expect(got.value).toBe('pw with trailing newline\n');
    expect(got.version).toMatch(/^file@\d{4}-/);
  });

  it('put records versions under <name>.versions/<n> and replaces the current value; old versions stay readable', async () => {
    const dir = tempDir();
    const store = createFileSecretStore({ dir });
    writeFileSync(join(dir, 'k'), 'hand-written');
    expect((await store.put!('k', 'v-one')).version).toBe('2'); // the hand-written value became version 1
    expect((await store.put!('k', 'v-two')).version).toBe('3');
    expect(readFileSync(join(dir, 'k'), 'utf8')).toBe('v-two');
    expect(await store.get('k')).toEqual({ name: 'k', version: '3', value: 'v-two' });
    expect((await store.get('k', '1')).value).toBe('hand-written');
    expect((await store.get('k', '2')).value).toBe('v-one');
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'k.versions')).mode & 0o777).toBe(0o700);
    expect(await codeOf(store.get('k', '9'))).toBe('secret_missing');
    expect(await codeOf(store.get('../etc/passwd'))).toBe('secret_invalid_name');
  });
});

/** A fake of the Secret Manager client: versions per secret, gRPC-style errors. */
function fakeGcp() {
  const secrets = new Map<string, string[]>();
  const calls: string[] = [];
  const client: GcpSecretClient = {
    async accessSecretVersion({ name }) {
      calls.push(`access ${name}`);
      const m = /^projects\/p1\/secrets\/([^/]+)\/versions\/(\w+)$/.exec(name);
      if (m?.[1] === 'forbidden') throw Object.assign(new Error('denied'), { code: 7 });
      if (m?.[1] === 'flaky') throw Object.assign(new Error('unavailable'), { code: 14 });
      const versions = m ? secrets.get(m[1]!) : undefined;
      if (!m || !versions) throw Object.assign(new Error('not found'), { code: 5 });
      const n = m[2] === 'latest' ? versions.length : Number(m[2]);
      const data = versions[n - 1];
      if (data === undefined) throw Object.assign(new Error('not found'), { code: 5 });
      return [{ name: `projects/p1/secrets/${m[1]}/versions/${n}`, payload: { data: Buffer.from(data) } }];
    },
    async addSecretVersion({ parent, payload }) {
      const id = parent.split('/').at(-1)!;
      const versions = secrets.get(id);
      if (!versions) throw Object.assign(new Error('not found'), { code: 5 });
      versions.push(Buffer.from(payload.data).toString('utf8'));
      return [{ name: `${parent}/versions/${versions.length}` }];
    },
    async createSecret({ secretId }) {
      calls.push(`create ${secretId}`);
      secrets.set(secretId, []);
      return [{}];
    },
  };
  return { client, secrets, calls };
}

describe('gcp store (fake client)', () => {
  it('reads latest and numbered versions, creates the secret on first put, classifies errors', async () => {
    const fake = fakeGcp();
    const store = createGcpSecretStore({ project: 'p1', client: fake.client });
    expect(await store.put!('ctbc.pgp-private', 'one')).toMatchObject({ version: '1' });
    expect(fake.calls).toContain('create ctbc_pgp-private');
    await store.put!('ctbc.pgp-private', 'two');
    expect(await store.get('ctbc.pgp-private')).toEqual({ name: 'ctbc.pgp-private', version: '2', value: 'two' });
    expect((await store.get('ctbc.pgp-private', '1')).value).toBe('one');
    expect(await codeOf(store.get('nope'))).toBe('secret_missing');
    expect(await codeOf(store.get('forbidden'))).toBe('secret_denied');
    expect(await codeOf(store.get('flaky'))).toBe('secret_unavailable');
  });
});

describe('createSecretStore: cache TTL and audit', () => {
  it('picks up a rotated secret after the TTL, without restart, and audits every access without the value', async () => {
    const dir = tempDir();
    let now = new Date('2026-11-26T06:00:00+08:00');
    const audit: SecretAuditEntry[] = [];
    const store = createSecretStore(
      { provider: 'file', dir, cache_ttl_seconds: 300 },
      { audit: (e) => void audit.push(e), now: () => now },
    );
    await store.put!('sftp-pass', 'first-Secret-Value');
    expect((await store.get('sftp-pass')).value).toBe('first-Secret-Value');
    // Rotated behind our back (another instance, an operator).
    await createFileSecretStore({ dir }).put!('sftp-pass', 'second-Secret-Value');
    now = new Date(now.getTime() + 299_000);
    expect((await store.get('sftp-pass')).value).toBe('first-Secret-Value');
    now = new Date(now.getTime() + 2_000);
    expect((await store.get('sftp-pass')).value).toBe('second-Secret-Value');
    await codeOf(store.get('absent'));

    expect(audit.map((e) => [e.name, e.version, e.result])).toEqual([
      ['sftp-pass', '1', 'written'],
      ['sftp-pass', '1', 'ok'],
      ['sftp-pass', '1', 'cached'],
      ['sftp-pass', '2', 'ok'],
      ['absent', null, 'not_found'],
    ]);
    expect(audit.every((e) => e.provider === 'file' && e.at instanceof Date)).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(/Secret-Value/);
  });

  it('withholds the secret when the audit log cannot record the access', async () => {
    const fake = fakeGcp();
    fake.secrets.set('x', ['v']);
    const store = createSecretStore(
      { provider: 'gcp', gcp_project: 'p1', dir: '-', cache_ttl_seconds: 0 },
      {
        gcpClient: fake.client,
        audit: () => {
          throw new Error('db down');
        },
      },
    );
    expect(await codeOf(store.get('x'))).toBe('secret_unavailable');
  });

  it('selects the env provider from config', async () => {
    const audit: SecretAuditEntry[] = [];
    const store = createSecretStore(
      { provider: 'env', dir: '-', cache_ttl_seconds: 0 },
      { audit: (e) => void audit.push(e), env: { BANKING_SECRET_X: 'v' } },
    );
    expect((await store.get('x')).value).toBe('v');
    expect(audit[0]).toMatchObject({ name: 'x', version: 'env', provider: 'env', result: 'ok' });
  });
});
