/**
 * Interop with the PGP stacks banks run besides GnuPG: Sequoia (`sq`), RNP (`rnp`) and Bouncy Castle (a small
 * Java program, test/fixtures/pgp/BcPgp.java, compiled here with javac). Both directions: what they make, both
 * our engines open to the same bytes or refuse with the same code; what we make, they decrypt and verify.
 * Small and over 12 MiB, compressed and not, armored and binary, text mode CRLF, a signing subkey (Sequoia's
 * keys sign with one), two signatures, and the refusals (flipped bit, truncation, unknown signer, unsigned,
 * expired key, AEAD, no MDC). Tool versions: see docs/pgp.md.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankCrypto, type PgpBankCrypto, PgpError } from '../src/infra/pgp/index.ts';
import { type FixtureName, fixtureKeys, pgpBank, tempStore } from './fixtures/pgp/fixtures.ts';
import { concatBytes, GpgMaker, splitPackets } from './fixtures/pgp/tools.ts';

const MiB = 1 << 20;
const SMALL = new TextEncoder().encode('H0001 20261208 兆豐 PAY 0000150000\r\n'.repeat(300));
const CRLF = new TextEncoder().encode('D0001 0000150000 TX1\r\nD0002 0000000001 TX2\r\n\r\n'.repeat(100));
/** Over 12 MiB: random, so compression does not shrink it. */
const LARGE = new Uint8Array(randomBytes(12 * MiB + 512 * 1024));

let dir: string;
let crypto: PgpBankCrypto;
let dispose: () => void;
let rnpHome: string;
const file = (name: string) => join(dir, name);

function run(cmd: string, args: string[], input?: Uint8Array) {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 * MiB, timeout: 120_000 });
  return { status: r.status, stdout: new Uint8Array(r.stdout ?? []), stderr: (r.stderr ?? '').toString() };
}

function ok(cmd: string, args: string[], input?: Uint8Array): Uint8Array {
  const r = run(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function keyFile(name: FixtureName, part: 'pub' | 'sec'): string {
  const path = file(`${name}.${part}`);
  const key = fixtureKeys[name];
  writeFileSync(path, part === 'pub' ? key.publicKeyArmored : key.privateKeyArmored);
  return path;
}

const fpr = (name: FixtureName) => fixtureKeys[name].fingerprint;
const inFile = (data: Uint8Array) => {
  const path = file(`in-${randomBytes(4).toString('hex')}`);
  writeFileSync(path, data);
  return path;
};

// --- the tools -----------------------------------------------------------------------------------------
const sq = {
  encrypt: (data: Uint8Array, opts: { signers: string[]; compression?: string; armor?: boolean }) =>
    ok('sq', [
      'encrypt',
      '--recipient-cert',
      file('ours_ed25519.pub'),
      ...opts.signers.flatMap((s) => ['--signer-key', s]),
      '--compression',
      opts.compression ?? 'none',
      ...(opts.armor ? [] : ['--binary']),
      inFile(data),
    ]),
  decrypt: (wire: Uint8Array) =>
    run('sq', [
      'decrypt',
      '--recipient-key',
      file('sqbank.key'),
      '--signer-cert',
      file('ours_ed25519.pub'),
      inFile(wire),
    ]),
};

const rnp = {
  make: (data: Uint8Array, args: string[]) =>
    ok('rnp', ['--homedir', rnpHome, '--notty', '--password', '', ...args, '--output', '-', inFile(data)]),
  encrypt: (data: Uint8Array, extra: string[] = []) =>
    rnp.make(data, ['-e', '-s', '-r', fpr('ours_ed25519'), '-u', fpr('bank_ed25519'), ...extra]),
  decrypt: (wire: Uint8Array) => run('rnp', ['--homedir', rnpHome, '--notty', '-d', '--output', '-', inFile(wire)]),
};

const BC_CP = () => `${join(dir, 'bc')}:/usr/share/java/bcpg.jar:/usr/share/java/bcprov.jar`;
const bc = {
  encrypt: (data: Uint8Array, opts: string[]) => {
    const out = file(`bc-${randomBytes(4).toString('hex')}.pgp`);
    ok('java', ['-cp', BC_CP(), 'BcPgp', 'encrypt', file('ours_rsa3072.pub'), inFile(data), out, ...opts]);
    return new Uint8Array(readFileSync(out));
  },
  decrypt: (wire: Uint8Array) => {
    const out = file(`bc-${randomBytes(4).toString('hex')}.out`);
    const r = run('java', [
      '-cp',
      BC_CP(),
      'BcPgp',
      'decrypt',
      file('bank_rsa3072.sec'),
      file('ours_rsa3072.pub'),
      inFile(wire),
      out,
    ]);
    return {
      ...r,
      stdout: r.status === 0 ? new Uint8Array(readFileSync(out)) : r.stdout,
      said: Buffer.from(r.stdout).toString(),
    };
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgp-stacks-'));
  maker = new GpgMaker(['bank_ed25519', 'stranger_ed25519']);
  for (const name of [
    'ours_ed25519',
    'ours_rsa3072',
    'bank_ed25519',
    'bank_rsa3072',
    'stranger_ed25519',
    'expired_ed25519',
  ] as const) {
    keyFile(name, 'pub');
    keyFile(name, 'sec');
  }
  // A Sequoia key as a bank makes it: certification-only primary, separate signing and encryption subkeys.
  ok('sq', ['key', 'generate', '--userid', '<pgp@sq-bank.example>', '--export', file('sqbank.key')]);
  writeFileSync(file('sqbank.cert'), ok('sq', ['key', 'extract-cert', file('sqbank.key')]));
  rnpHome = join(dir, 'rnp');
  mkdirSync(rnpHome, { mode: 0o700 });
  for (const key of ['bank_ed25519.sec', 'expired_ed25519.sec', 'ours_ed25519.pub']) {
    ok('rnpkeys', ['--homedir', rnpHome, '--import', file(key)]);
  }
  mkdirSync(join(dir, 'bc'));
  ok('javac', ['-cp', BC_CP(), '-d', join(dir, 'bc'), join(import.meta.dirname, 'fixtures/pgp/BcPgp.java')]);
  const sqCert = readFileSync(file('sqbank.cert'), 'utf8');
  const t = await tempStore({
    'b-pgp-private': fixtureKeys.ours_ed25519.privateKeyArmored,
    'b-pgp-passphrase': fixtureKeys.ours_ed25519.passphrase!,
    'b-bank-public': [
      fixtureKeys.bank_ed25519.publicKeyArmored,
      fixtureKeys.expired_ed25519.publicKeyArmored,
      sqCert,
    ].join('\n'),
    'q-bank-public': sqCert,
    'n-bank-public': fixtureKeys.bank_ed25519.publicKeyArmored,
    'r-pgp-private': fixtureKeys.ours_rsa3072.privateKeyArmored,
    'r-pgp-passphrase': fixtureKeys.ours_rsa3072.passphrase!,
    'r-bank-public': fixtureKeys.bank_rsa3072.publicKeyArmored,
  });
  dispose = t.dispose;
  crypto = createBankCrypto({ secrets: t.store });
}, 120_000);
afterAll(() => {
  maker?.dispose();
  dispose?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** ed: bank keys ed25519 (+ the expired one, + Sequoia's); rsa: RSA-3072; sq / rnp: the one key we encrypt to. */
type Keys = 'ed' | 'rsa' | 'sq' | 'rnp';
function ourSide(engine: 'openpgp' | 'gpg', keys: Keys, extra: Record<string, unknown> = {}) {
  const code = keys === 'rsa' ? 'r' : 'b';
  return pgpBank(code, {
    engine,
    our_private_key_secret: `${code}-pgp-private`,
    our_passphrase_secret: `${code}-pgp-passphrase`,
    bank_public_key_secret: keys === 'sq' ? 'q-bank-public' : keys === 'rnp' ? 'n-bank-public' : `${code}-bank-public`,
    ...extra,
  });
}

async function openBoth(wire: Uint8Array, keys: Keys, extra: Record<string, unknown> = {}) {
  const out: Record<string, { bytes?: Uint8Array; code?: string; message?: string }> = {};
  for (const engine of ['openpgp', 'gpg'] as const) {
    try {
      out[engine] = { bytes: await crypto.open(ourSide(engine, keys, extra), 'REC_20261208_01.txt', wire) };
    } catch (error) {
      if (!(error instanceof PgpError)) throw error;
      out[engine] = { code: error.code, message: error.message };
    }
  }
  return out;
}

const flip = (wire: Uint8Array) => {
  const copy = wire.slice();
  copy[Math.floor(copy.length * 0.6)]! ^= 0x04;
  return copy;
};

interface Incoming {
  name: string;
  make: () => Uint8Array;
  keys: Keys;
  expected: Uint8Array | string;
  profile?: Record<string, unknown>;
}

const incoming: Incoming[] = [
  // Sequoia: the bank key signs with its signing subkey.
  {
    name: 'sq: binary, signing subkey',
    make: () => sq.encrypt(SMALL, { signers: [file('sqbank.key')] }),
    keys: 'ed',
    expected: SMALL,
  },
  {
    name: 'sq: armored, ZLIB',
    make: () => sq.encrypt(SMALL, { signers: [file('sqbank.key')], compression: 'zlib', armor: true }),
    keys: 'ed',
    expected: SMALL,
  },
  {
    name: 'sq: its default padding (a compressed packet)',
    make: () => sq.encrypt(SMALL, { signers: [file('sqbank.key')], compression: 'pad' }),
    keys: 'ed',
    expected: SMALL,
  },
  {
    // Uncompressed: openpgp.js's BZip2 (pure JavaScript) takes ~25 s for 12 MiB on this host.
    name: 'sq: over 12 MiB',
    make: () => sq.encrypt(LARGE, { signers: [file('sqbank.key')] }),
    keys: 'ed',
    expected: LARGE,
  },
  {
    name: 'sq: two signatures (subkey and another bank key)',
    make: () => sq.encrypt(SMALL, { signers: [file('sqbank.key'), file('bank_ed25519.sec')] }),
    keys: 'ed',
    expected: SMALL,
  },
  {
    name: 'sq: BZip2',
    make: () => sq.encrypt(SMALL, { signers: [file('sqbank.key')], compression: 'bzip2' }),
    keys: 'ed',
    expected: SMALL,
  },
  {
    name: 'sq: signed by a stranger',
    make: () => sq.encrypt(SMALL, { signers: [file('stranger_ed25519.sec')] }),
    keys: 'ed',
    expected: 'pgp_unknown_signer',
  },
  { name: 'sq: unsigned', make: () => sq.encrypt(SMALL, { signers: [] }), keys: 'ed', expected: 'pgp_not_signed' },
  // RNP
  { name: 'rnp: binary, uncompressed', make: () => rnp.encrypt(SMALL, ['-z', '0']), keys: 'ed', expected: SMALL },
  { name: 'rnp: armored, ZIP', make: () => rnp.encrypt(SMALL, ['--zip', '--armor']), keys: 'ed', expected: SMALL },
  {
    name: 'rnp: BZip2, AES-192',
    make: () => rnp.encrypt(SMALL, ['--bzip', '--cipher', 'AES192']),
    keys: 'ed',
    expected: SMALL,
  },
  {
    name: 'rnp: AEAD (OCB)',
    make: () => rnp.encrypt(SMALL, ['--aead=ocb']),
    keys: 'ed',
    expected: 'pgp_feature_not_allowed',
  },
  {
    name: 'rnp: signed by an expired key (while it was valid)',
    make: () => rnp.make(SMALL, ['-s', '-u', fpr('expired_ed25519'), '--current-time', expiredKeyValidDay()]),
    keys: 'ed',
    profile: { encrypt: false },
    expected: 'pgp_key_expired',
  },
  {
    // rnp --no-wrap encrypts gpg's signed packets as they are: the signature closes other bytes.
    name: 'rnp: encrypted, a signature over other bytes',
    make: () => {
      const [ops, , sig] = gpgSigned(new TextEncoder().encode('D0001 0000990000\r\n'));
      const [, literal] = gpgSigned(new TextEncoder().encode('D0001 0000150000\r\n'));
      return rnp.make(concatBytes(ops!.bytes, literal!.bytes, sig!.bytes), [
        '-e',
        '--no-wrap',
        '-r',
        fpr('ours_ed25519'),
      ]);
    },
    keys: 'ed',
    expected: 'pgp_bad_signature',
  },
  {
    name: 'rnp: encrypted, a trailing signature by a stranger',
    make: () => {
      const data = new TextEncoder().encode('D0001 0000150000\r\n');
      const signed = concatBytes(
        ...gpgSigned(data).map((p) => p.bytes),
        maker.make(['-u', fpr('stranger_ed25519'), '--detach-sign'], data),
      );
      return rnp.make(signed, ['-e', '--no-wrap', '-r', fpr('ours_ed25519')]);
    },
    keys: 'ed',
    expected: 'pgp_unknown_signer',
  },
  {
    name: 'rnp: a flipped bit',
    make: () => flip(rnp.encrypt(SMALL, ['-z', '0'])),
    keys: 'ed',
    expected: 'pgp_corrupted',
  },
  {
    name: 'rnp: truncated',
    make: () => rnp.encrypt(SMALL, ['-z', '0']).slice(0, -100),
    keys: 'ed',
    expected: 'pgp_corrupted',
  },
  // Bouncy Castle (RSA-3072 keys)
  {
    name: 'BC: binary',
    make: () => bc.encrypt(SMALL, [`signer=${file('bank_rsa3072.sec')}`]),
    keys: 'rsa',
    expected: SMALL,
  },
  {
    name: 'BC: text mode, CRLF kept',
    make: () => bc.encrypt(CRLF, ['text', `signer=${file('bank_rsa3072.sec')}`]),
    keys: 'rsa',
    expected: CRLF,
  },
  {
    name: 'BC: armored, ZIP, two signatures',
    make: () =>
      bc.encrypt(SMALL, ['armor', 'zip', `signer=${file('bank_rsa3072.sec')}`, `signer=${file('bank_rsa3072.sec')}`]),
    keys: 'rsa',
    expected: SMALL,
  },
  {
    name: 'BC: over 12 MiB, ZLIB',
    make: () => bc.encrypt(LARGE, ['zlib', `signer=${file('bank_rsa3072.sec')}`]),
    keys: 'rsa',
    expected: LARGE,
  },
  {
    name: 'BC: no MDC',
    make: () => bc.encrypt(SMALL, ['nomdc', `signer=${file('bank_rsa3072.sec')}`]),
    keys: 'rsa',
    expected: 'pgp_feature_not_allowed',
  },
  { name: 'BC: unsigned', make: () => bc.encrypt(SMALL, []), keys: 'rsa', expected: 'pgp_not_signed' },
  {
    name: 'BC: a flipped bit',
    make: () => flip(bc.encrypt(SMALL, [`signer=${file('bank_rsa3072.sec')}`])),
    keys: 'rsa',
    expected: 'pgp_corrupted',
  },
];

let maker: GpgMaker;
/** gpg's one-pass signed data (the bank key, uncompressed), split into its packets by sq. */
const gpgSigned = (data: Uint8Array) =>
  splitPackets(maker.signEncrypt(data, ['bank_ed25519'], [], ['--compress-algo', 'none']));

function expiredKeyValidDay(): string {
  // keys.json: the expired key was made 400 days before the fixtures, valid for 30.
  const created = spawnSync('sq', ['inspect', file('expired_ed25519.pub')]).stdout.toString();
  const match = /Creation time: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})/.exec(created)!;
  return new Date(Date.parse(`${match[1]}T${match[2]}Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
}

describe('they make it, both our engines open it', () => {
  it.each(incoming)(
    '$name',
    async ({ make, keys, expected, profile }) => {
      const got = await openBoth(make(), keys, profile);
      for (const [engine, result] of Object.entries(got)) {
        if (typeof expected === 'string') {
          expect(result.code, `${engine}: ${result.message ?? 'opened'}`).toBe(expected);
        } else {
          expect(result.code, `${engine}: ${result.message}`).toBeUndefined();
          expect(Buffer.compare(Buffer.from(result.bytes!), Buffer.from(expected)), `${engine}: bytes`).toBe(0);
        }
      }
    },
    120_000,
  );
});

describe('we make it, they decrypt and verify it', () => {
  const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

  it.each(['openpgp', 'gpg'] as const)(
    'Sequoia, to a key with an encryption subkey, binary and armored (%s engine)',
    async (engine) => {
      for (const armor of [false, true]) {
        const wire = await crypto.protect(ourSide(engine, 'sq', { armor }), 'PAY_20261208_0001.txt', SMALL);
        const r = sq.decrypt(wire);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/Good signature from [0-9A-F]+/);
        expect(equal(r.stdout, SMALL)).toBe(true);
      }
      // A message we did not sign does not pass sq's signature check.
      const unsigned = await crypto.protect(ourSide(engine, 'sq', { sign: false }), 'PAY.txt', SMALL);
      expect(sq.decrypt(unsigned).status).not.toBe(0);
    },
    120_000,
  );

  it.each(['openpgp', 'gpg'] as const)(
    'RNP, small and armored (%s engine)',
    async (engine) => {
      for (const armor of [false, true]) {
        const wire = await crypto.protect(ourSide(engine, 'rnp', { armor }), 'PAY_20261208_0001.txt', SMALL);
        const r = rnp.decrypt(wire);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/Good signature made .*\n.*using .* key/);
        expect(equal(r.stdout, SMALL)).toBe(true);
      }
    },
    120_000,
  );

  it('RNP, over 12 MiB (openpgp engine)', async () => {
    const wire = await crypto.protect(ourSide('openpgp', 'rnp'), 'PAY_20261208_0002.txt', LARGE);
    const r = rnp.decrypt(wire);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Good signature/);
    expect(equal(r.stdout, LARGE)).toBe(true);
  }, 120_000);

  it.each(['openpgp', 'gpg'] as const)(
    'Bouncy Castle, binary and armored: MDC and a SHA-256 signature (%s engine)',
    async (engine) => {
      for (const armor of [false, true]) {
        const wire = await crypto.protect(ourSide(engine, 'rsa', { armor }), 'PAY_20261208_0001.txt', SMALL);
        const r = bc.decrypt(wire);
        expect(r.status, r.stderr).toBe(0);
        // Hash algorithm 8 = SHA-256; the key id is our RSA key's.
        expect(r.said).toMatch(new RegExp(`^OK 8 ${fpr('ours_rsa3072').slice(-16).replace(/^0+/, '')}`));
        expect(equal(r.stdout, SMALL)).toBe(true);
      }
      // BC refuses our message once a bit flipped (MDC or signature).
      const wire = await crypto.protect(ourSide(engine, 'rsa'), 'PAY.txt', SMALL);
      expect(bc.decrypt(flip(wire)).status).not.toBe(0);
    },
    120_000,
  );
});
