import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { writeTestConfig } from '../../test/support/test-config.ts';
import { run } from './keys.ts';

const scratch = mkdtempSync(join(tmpdir(), 'keys-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  try {
    return { code: await run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

it('generates our key for a bank, stores it, prints only the public half, and shows it', async () => {
  const config = await writeTestConfig(scratch, { dataDir: join(scratch, 'data') });
  const gen = await cli(['generate', '--bank', 'ctbc', '--expires-days', '730', '--config', config]);
  expect(gen.code, gen.err).toBe(0);
  const fingerprint = /fingerprint: ([0-9A-F]{40})/.exec(gen.out)?.[1];
  expect(fingerprint).toBeDefined();
  expect(gen.out).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
  expect(gen.out + gen.err).not.toContain('PRIVATE KEY');
  expect(gen.out).toMatch(/algorithm: ed25519/);
  const stored = readFileSync(join(scratch, 'data', 'secrets', 'ctbc-pgp-private'), 'utf8');
  expect(stored).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
  expect(gen.err).toMatch(/"name":"ctbc-pgp-private".*"result":"written"/);

  const again = await cli(['generate', '--bank', 'ctbc', '--config', config]);
  expect(again.code).toBe(1);
  expect(again.err).toMatch(/--rotate/);

  const shown = await cli(['show', '--bank', 'ctbc', '--config', config]);
  const ours = shown.out.split('\n').find((l) => l.includes(fingerprint!));
  expect(ours?.split('\t')).toEqual([
    'ctbc',
    'ours',
    'ctbc-pgp-private',
    fingerprint,
    'ed25519',
    expect.any(String),
    expect.stringMatching(/^72[89]$/),
    'current',
  ]);
  // The sandbox bank key is not provisioned in this scratch store: shown as missing, exit 1.
  expect(shown.out).toMatch(/ctbc\tbank\tsandbox-ctbc-pgp-public\t-\t-\t-\t-\tMISSING/);
  expect(shown.code).toBe(1);

  expect((await cli(['generate', '--bank', 'nope', '--config', config])).code).toBe(2);
});
