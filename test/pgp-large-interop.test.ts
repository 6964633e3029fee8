/**
 * Files of several megabytes, framed with partial body lengths (a small bank file is one definite-length
 * packet): the real gpg reads what we write, we read what gpg writes (streamed from stdin: its own partial
 * lengths; compressed by default, or not; AES-256 or AES-128), and damage in the middle of a large file is
 * caught with nothing left behind. Above 4 MiB, openFile decrypts file to file in the SEIPD worker
 * (seipd-file.ts) where the layout allows, and streams otherwise: both ways are checked here.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBankCrypto, PgpError } from '../src/infra/pgp/index.ts';
import { signedLiteralRuns } from '../src/infra/pgp/openpgp-engine.ts';
import { seipdRuns } from '../src/infra/pgp/seipd-offload.ts';
import { type FixtureName, fixtureKeys, GpgCli, pairBanks, pairSecrets, tempStore } from './fixtures/pgp/fixtures.ts';

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

function workDir() {
  const dir = mkdtempSync(join(tmpdir(), 'pgp-large-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// 3 MiB + a few bytes: three full partial pieces and an odd remainder; half random, half text (compressible).
const payload = Buffer.concat([
  randomBytes(3 << 19),
  Buffer.from('D0001 0000150000 TX20261126000001\r\n'.repeat(45_000)),
]);
// Past the 4 MiB at which openFile hands a whole file to the worker.
const bigPayload = Buffer.concat([payload, randomBytes(3 << 20)]);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const cases: Array<{ ours: FixtureName; bank: FixtureName }> = [
  { ours: 'ours_ed25519', bank: 'bank_ed25519' },
  { ours: 'ours_rsa3072', bank: 'bank_rsa3072' },
];

describe.each(cases)('large files with $ours / $bank', ({ ours, bank }) => {
  it('openpgp engine -> gpg decrypts and verifies; gpg -> openpgp engine, with and without compression', async () => {
    const { store, dispose } = await tempStore(pairSecrets(ours, bank));
    cleanups.push(dispose);
    const crypto = createBankCrypto({ secrets: store });
    const { us } = pairBanks('openpgp', ours, bank);
    const dir = workDir();
    const plainPath = join(dir, 'PAY.txt');
    writeFileSync(plainPath, payload);
    const gpg = new GpgCli();
    cleanups.push(() => gpg.dispose());
    gpg.import(fixtureKeys[bank].privateKeyArmored);
    gpg.import(fixtureKeys[ours].publicKeyArmored);

    const runs = { ...signedLiteralRuns };
    const written = await crypto.protectFile(us, 'PAY.txt', plainPath, join(dir, 'PAY.txt.pgp'));
    // Signed by native-sign.ts and framed by signed-literal.ts, not by openpgp.js: that is what gpg checks here.
    expect(signedLiteralRuns.written).toBe(runs.written + 1);
    const wire = readFileSync(join(dir, 'PAY.txt.pgp'));
    expect(written.sha256).toBe(sha(wire));
    expect(wire.length).toBeGreaterThan(payload.length);
    const r = gpg.run(['--decrypt'], wire, fixtureKeys[bank].passphrase);
    const status = r.stderr.toString();
    expect(r.status, status).toBe(0);
    expect(sha(r.stdout)).toBe(sha(payload));
    expect(status).toMatch(new RegExp(`VALIDSIG \\w+ .* ${fixtureKeys[ours].fingerprint}`));
    expect(status).toMatch(/DECRYPTION_INFO 2 9( 0)?\n/);

    for (const extra of [[], ['--compress-algo', 'none', '--cipher-algo', 'AES128']]) {
      const sent = gpg.run(
        ['--sign', '--encrypt', '-r', fixtureKeys[ours].fingerprint, '-u', fixtureKeys[bank].fingerprint, ...extra],
        payload,
        fixtureKeys[bank].passphrase,
      );
      expect(sent.status, sent.stderr.toString()).toBe(0);
      writeFileSync(join(dir, 'REC.pgp'), sent.stdout);
      const reads = signedLiteralRuns.read;
      const opened = await crypto.openFile(us, 'REC.txt', join(dir, 'REC.pgp'), join(dir, 'REC.txt'));
      expect(opened.sha256).toBe(sha(payload));
      expect(sha(readFileSync(join(dir, 'REC.txt')))).toBe(sha(payload));
      expect(opened.signerFingerprint).toBe(fixtureKeys[bank].fingerprint);
      expect(opened.bytesOut).toBe(payload.length);
      // Uncompressed, it was read by signed-literal.ts (digests from the worker), not by openpgp.js.
      if (extra.length > 0) expect(signedLiteralRuns.read).toBe(reads + 1);
    }
  });
});

describe.each([
  { size: 'streamed (3 MiB)', plain: payload, fileToFile: 0 },
  { size: 'file to file (6 MiB)', plain: bigPayload, fileToFile: 1 },
])('a damaged large file, $size', ({ plain, fileToFile }) => {
  it.each([
    [
      'a flipped bit in the middle',
      (w: Buffer) => Buffer.concat([w.subarray(0, 1 << 21), Buffer.from([w[1 << 21]! ^ 4]), w.subarray((1 << 21) + 1)]),
    ],
    // The last piece (definite length, at most 1 MiB) and the signature are cut, and a partial piece with them.
    ['cut off in a partial piece', (w: Buffer) => w.subarray(0, w.length - (1 << 20) - 1000)],
    ['with bytes appended', (w: Buffer) => Buffer.concat([w, Buffer.from([0xc1, 0x00])])],
  ])('%s -> pgp_corrupted, and no output file', async (_what, damage) => {
    const { store, dispose } = await tempStore(pairSecrets('ours_ed25519', 'bank_ed25519'));
    cleanups.push(dispose);
    const crypto = createBankCrypto({ secrets: store });
    const { us, sim } = pairBanks('openpgp', 'ours_ed25519', 'bank_ed25519');
    const dir = workDir();
    writeFileSync(join(dir, 'plain'), plain);
    await crypto.protectFile(sim, 'REC.txt', join(dir, 'plain'), join(dir, 'REC.pgp'));
    writeFileSync(join(dir, 'bad.pgp'), damage(readFileSync(join(dir, 'REC.pgp'))));
    const files = seipdRuns.file;
    const error = await crypto
      .openFile(us, 'REC.txt', join(dir, 'bad.pgp'), join(dir, 'REC.txt'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgpError);
    expect((error as PgpError).code).toBe('pgp_corrupted');
    expect(seipdRuns.file).toBe(files + fileToFile);
    // Nothing under the final name, no partial file beside it.
    expect(readdirSync(dir).sort()).toEqual(['REC.pgp', 'bad.pgp', 'plain']);
    // The undamaged file opens: the failure is the damage, not the setup.
    await crypto.openFile(us, 'REC.txt', join(dir, 'REC.pgp'), join(dir, 'REC.txt'));
    expect(sha(readFileSync(join(dir, 'REC.txt')))).toBe(sha(plain));
  });
});

describe('a large file decrypted file to file', () => {
  async function setup(limits?: { maxOutputBytes: number }) {
    const { store, dispose } = await tempStore(pairSecrets('ours_rsa3072', 'bank_rsa3072'));
    cleanups.push(dispose);
    const crypto = createBankCrypto({ secrets: store, ...(limits ? { limits } : {}) });
    const { us } = pairBanks('openpgp', 'ours_rsa3072', 'bank_rsa3072');
    const gpg = new GpgCli();
    cleanups.push(() => gpg.dispose());
    gpg.import(fixtureKeys.bank_rsa3072.privateKeyArmored);
    gpg.import(fixtureKeys.ours_rsa3072.publicKeyArmored);
    const dir = workDir();
    /** What gpg sends us: signed by `signer` (the bank's key unless told), encrypted to our key. */
    const fromGpg = (extra: string[], signer: FixtureName = 'bank_rsa3072') => {
      const sent = gpg.run(
        [
          '--sign',
          '--encrypt',
          '-r',
          fixtureKeys.ours_rsa3072.fingerprint,
          '-u',
          fixtureKeys[signer].fingerprint,
          ...extra,
        ],
        bigPayload,
        fixtureKeys[signer].passphrase,
      );
      expect(sent.status, sent.stderr.toString()).toBe(0);
      writeFileSync(join(dir, 'REC.pgp'), sent.stdout);
    };
    const open = () => crypto.openFile(us, 'REC.txt', join(dir, 'REC.pgp'), join(dir, 'REC.txt'));
    return { gpg, dir, fromGpg, open };
  }

  it('reads what gpg wrote uncompressed in the worker, and falls back to streaming for compressed data', async () => {
    const { dir, fromGpg, open } = await setup();
    for (const [extra, fileToFile] of [
      [['--compress-algo', 'none'], true],
      [['--compress-algo', 'none', '--cipher-algo', 'AES128'], true],
      [['--compress-algo', 'zlib'], false],
    ] as const) {
      fromGpg([...extra]);
      const before = { ...signedLiteralRuns };
      const opened = await open();
      expect(opened.signerFingerprint).toBe(fixtureKeys.bank_rsa3072.fingerprint);
      expect(opened.bytesOut).toBe(bigPayload.length);
      expect(opened.bytesIn).toBe(readFileSync(join(dir, 'REC.pgp')).length);
      expect(opened.sha256).toBe(sha(bigPayload));
      expect(sha(readFileSync(join(dir, 'REC.txt')))).toBe(sha(bigPayload));
      // Uncompressed: read by signed-literal's parser in the worker; compressed: by openpgp.js, streamed.
      expect(signedLiteralRuns.read).toBe(before.read + (fileToFile ? 1 : 0));
      expect(readdirSync(dir).sort()).toEqual(['REC.pgp', 'REC.txt']);
    }
  });

  it('refuses a signer that is not the bank, leaving no output', async () => {
    const { gpg, dir, fromGpg, open } = await setup();
    gpg.import(fixtureKeys.bank_ed25519.privateKeyArmored);
    fromGpg(['--compress-algo', 'none'], 'bank_ed25519');
    const files = seipdRuns.file;
    const error = await open().catch((e: unknown) => e);
    expect(seipdRuns.file).toBe(files + 1);
    expect((error as PgpError).code).toBe('pgp_unknown_signer');
    expect(readdirSync(dir)).toEqual(['REC.pgp']);
  });

  it('stops at the output limit with the same error as the streamed path', async () => {
    const { dir, fromGpg, open } = await setup({ maxOutputBytes: 5 << 20 });
    fromGpg(['--compress-algo', 'none']);
    const error = await open().catch((e: unknown) => e);
    expect((error as PgpError).code).toBe('pgp_feature_not_allowed');
    expect((error as PgpError).message).toMatch(/exceeds the limit/);
    expect(readdirSync(dir)).toEqual(['REC.pgp']);
  });
});
