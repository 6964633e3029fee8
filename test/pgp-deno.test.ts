/**
 * The openpgp engine under Deno 2 (the service also runs as `deno task start`): a file signed and encrypted by
 * Deno is read by Node and the other way round, byte for byte, with the signer checked on both sides.
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

/** argv: secrets dir, mode (protect|open), in, out, bank config. */
const SCRIPT = `
import { createBankCrypto } from ${module('src/infra/pgp/index.ts')};
import { createFileSecretStore } from ${module('src/infra/secrets/index.ts')};
const [dir, mode, input, output, bankJson] = Deno.args;
const crypto = createBankCrypto({ secrets: createFileSecretStore({ dir }) });
const bank = JSON.parse(bankJson);
const bytes = await Deno.readFile(input);
let signer = null;
if (mode === 'protect') {
  await Deno.writeFile(output, await crypto.protect(bank, 'PAY.txt', bytes));
} else {
  const opened = await crypto.openStream(bank, 'REC.txt', bytes);
  const parts = [];
  for await (const chunk of opened.data) parts.push(chunk);
  await Deno.writeFile(output, new Uint8Array(await new Blob(parts).arrayBuffer()));
  signer = (await opened.result).signerFingerprint ?? null;
}
console.log(JSON.stringify({ signer }));
`;

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { signer: string | null };
  }

  it('encrypts what Node reads, and reads what Node encrypts', async () => {
    const { store, dir: secrets, dispose } = await tempStore(pairSecrets('ours_rsa3072', 'bank_rsa3072'));
    try {
      const crypto = createBankCrypto({ secrets: store });
      const { us, sim } = pairBanks('openpgp', 'ours_rsa3072', 'bank_rsa3072');
      const payload = randomBytes(6 << 20);
      writeFileSync(join(dir, 'plain'), payload);

      deno(secrets, 'protect', join(dir, 'plain'), join(dir, 'from-deno.pgp'), JSON.stringify(us));
      const opened = await crypto.openStream(sim, 'PAY.txt', readFileSync(join(dir, 'from-deno.pgp')));
      const parts: Uint8Array[] = [];
      for await (const chunk of opened.data) parts.push(chunk);
      expect(sha(Buffer.concat(parts))).toBe(sha(payload));
      expect((await opened.result).signerFingerprint).toBe(fixtureKeys.ours_rsa3072.fingerprint);

      writeFileSync(join(dir, 'from-node.pgp'), await crypto.protect(sim, 'REC.txt', payload));
      const read = deno(secrets, 'open', join(dir, 'from-node.pgp'), join(dir, 'deno.out'), JSON.stringify(us));
      expect(sha(readFileSync(join(dir, 'deno.out')))).toBe(sha(payload));
      expect(read.signer).toBe(fixtureKeys.bank_rsa3072.fingerprint);
    } finally {
      dispose();
    }
  });
});
