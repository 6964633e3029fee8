import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/logger.ts';
import { createSecretStore, type GcpSecretClient } from './index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function capturedLogger() {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ destination, level: 'debug' }), text: () => raw.join('') };
}

// Values chosen so that nothing but the registered-value scrubber would catch them: no digits runs, no key names.
const unique = (what: string) => `${what}-${Math.random().toString(36).slice(2, 10)}-Zx`;

/** One line of a PEM/armored body, as a library error or a debug dump might quote it. */
function bodyLine(pem: string): string {
  return pem.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
}

describe('secret values are masked in logs once fetched', () => {
  it('file store: an SFTP password (used trimmed) and a private key logged through the real logger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-mask-'));
    dirs.push(dir);
    const password = unique('sftp-pw');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    // Written by hand, with a trailing newline, as an operator would.
    writeFileSync(join(dir, 'mega-sftp-password'), `${password}\n`);
    writeFileSync(join(dir, 'mega-ssh-key'), privateKey);
    const store = createSecretStore({ provider: 'file', dir, cache_ttl_seconds: 60 }, { audit: () => undefined });
    const { log, text } = capturedLogger();

    // Not fetched yet: the logger has no way to know these are secret (this is what the fetch changes).
    log.info(`before: server echoed ${password}`);
    expect(text()).toContain(password);

    const fetched = (await store.get('mega-sftp-password')).value.trim();
    const key = (await store.get('mega-ssh-key')).value;
    const line = bodyLine(key);
    const mark = text().length;
    log.warn({ detail: `server echoed ${fetched}`, nested: [{ note: fetched }] }, `auth failed with ${fetched}`);
    log.error({ err: new Error(`cannot parse key near ${line}`) }, 'key rejected');
    log.debug({ options: { host: 'sftp.mega.example', keyMaterial: key } }, 'connect options');
    const after = text().slice(mark);

    expect(after).not.toContain(password);
    expect(after).not.toContain(line);
    expect(after).not.toContain(key.split('\n')[1]);
    expect(after).toContain('auth failed with [redacted]');
    expect(after).toContain('sftp.mega.example');
  });

  it('env and gcp stores: a fetched passphrase is masked from then on', async () => {
    const envPass = unique('env-passphrase');
    const gcpPass = unique('gcp-passphrase');
    const client: GcpSecretClient = {
      async accessSecretVersion({ name }) {
        return [{ name: `${name.replace(/latest$/, '1')}`, payload: { data: Buffer.from(gcpPass) } }];
      },
      async addSecretVersion() {
        throw new Error('read only here');
      },
      async createSecret() {
        throw new Error('read only here');
      },
    };
    const env = createSecretStore(
      { provider: 'env', dir: '-', cache_ttl_seconds: 0 },
      { audit: () => undefined, env: { BANKING_SECRET_OURS_PGP_PASS: envPass } },
    );
    const gcp = createSecretStore(
      { provider: 'gcp', gcp_project: 'p1', dir: '-', cache_ttl_seconds: 0 },
      { audit: () => undefined, gcpClient: client },
    );
    const { log, text } = capturedLogger();
    log.info(`gcp value before fetch: ${gcpPass}`);
    expect(text()).toContain(gcpPass);

    await env.get('ours-pgp-pass');
    await gcp.get('ours-pgp-pass');
    const mark = text().length;
    log.info(`unlock failed for ${envPass} / ${gcpPass}`);
    const after = text().slice(mark);
    expect(after).not.toContain(envPass);
    expect(after).not.toContain(gcpPass);
    expect(after).toContain('unlock failed for [redacted] / [redacted]');
  });
});
