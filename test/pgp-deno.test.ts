/**
 * The openpgp engine under Deno 2 (the service also runs as `deno task start`), on a file large enough for the
 * SEIPD worker: Deno's node:crypto has no AES-CFB, so encryption takes openpgp.js whole, while decryption keeps
 * the fast path (AES-ECB) in a Deno worker. What one runtime writes, the other reads.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createBankCrypto } from '../src/infra/pgp/index.ts';
import { fixtureKeys, pairBanks, pairSecrets, tempStore } from './fixtures/pgp/fixtures.ts';

const ROOT = join(import.meta.dirname, '..');
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

/** argv: secrets dir, mode (protect|open), in, out. */
const SCRIPT = `
import { createBankCrypto } from ${module('src/infra/pgp/index.ts')};
import { signedLiteralRuns } from ${module('src/infra/pgp/openpgp-engine.ts')};
import { seipdRuns } from ${module('src/infra/pgp/seipd-offload.ts')};
import { createFileSecretStore } from ${module('src/infra/secrets/index.ts')};
const [dir, mode, input, output, bankJson] = Deno.args;
const crypto = createBankCrypto({ secrets: createFileSecretStore({ dir }) });
const bank = JSON.parse(bankJson);
const result = mode === 'protect'
  ? await crypto.protectFile(bank, 'PAY.txt', input, output)
  : await crypto.openFile(bank, 'REC.txt', input, output);
console.log(JSON.stringify({ sha256: result.sha256, signer: result.signerFingerprint ?? null, seipdRuns, signedLiteralRuns }));
`;

describe('the openpgp engine under Deno', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgp-deno-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function deno(...args: string[]) {
    const script = join(dir, 'pgp-smoke.ts');
    writeFileSync(script, SCRIPT);
    const result = spawnSync(
      join(ROOT, 'node_modules', 'deno', 'bin.cjs'),
      ['run', '-A', '--config', join(ROOT, 'deno.json'), script, ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      sha256: string;
      signer: string | null;
      seipdRuns: { worker: number; inThread: number; file: number };
      signedLiteralRuns: { written: number; read: number };
    };
  }

  it('encrypts what Node reads, and reads what Node encrypts, through its worker', async () => {
    const { store, dir: secrets, dispose } = await tempStore(pairSecrets('ours_rsa3072', 'bank_rsa3072'));
    try {
      const crypto = createBankCrypto({ secrets: store });
      const { us, sim } = pairBanks('openpgp', 'ours_rsa3072', 'bank_rsa3072');
      const payload = randomBytes(6 << 20);
      const sha = createHash('sha256').update(payload).digest('hex');
      writeFileSync(join(dir, 'plain'), payload);

      const sent = deno(secrets, 'protect', join(dir, 'plain'), join(dir, 'from-deno.pgp'), JSON.stringify(us));
      expect(sent.signedLiteralRuns.written).toBe(0); // no AES-CFB in Deno: openpgp.js wrote it
      const opened = await crypto.openFile(sim, 'PAY.txt', join(dir, 'from-deno.pgp'), join(dir, 'node.out'));
      expect(opened.sha256).toBe(sha);

      await crypto.protectFile(sim, 'REC.txt', join(dir, 'plain'), join(dir, 'from-node.pgp'));
      const read = deno(secrets, 'open', join(dir, 'from-node.pgp'), join(dir, 'deno.out'), JSON.stringify(us));
      // Decrypted file to file by the SEIPD worker, a Deno worker here.
      expect(read.seipdRuns.file).toBe(1);
      expect(read.signedLiteralRuns.read).toBe(1);
      expect(read.sha256).toBe(sha);
      expect(
        createHash('sha256')
          .update(readFileSync(join(dir, 'deno.out')))
          .digest('hex'),
      ).toBe(sha);
      expect(opened.signerFingerprint).toBe(fixtureKeys.ours_rsa3072.fingerprint);
      expect(read.signer).toBe(fixtureKeys.bank_rsa3072.fingerprint);
    } finally {
      dispose();
    }
  });
});
