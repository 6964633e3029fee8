/**
 * One table of messages, each made by a real tool (gpg with the option that makes the case; `sq packet split`
 * to put packets of two real messages together; openpgp.js for SEIPD v2), opened through BOTH engines: the
 * same verdict (the same bytes, or the same error code) from each, as docs/pgp.md promises.
 */
import * as openpgp from 'openpgp';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankCrypto, type PgpBankCrypto, PgpError } from '../src/infra/pgp/index.ts';
import { fixtureKeys, pgpBank, tempStore } from './fixtures/pgp/fixtures.ts';
import { concatBytes, GpgMaker, splitPackets } from './fixtures/pgp/tools.ts';

const text = (s: string) => new TextEncoder().encode(s);
const DATA = text('H0001 20261208 兆豐 PAY 0000150000\r\nD0002 0000000001 TX20261208000002\r\n'.repeat(200));
const CRLF = text('line one\r\nline two\r\n\r\nthird, 兆豐\r\n'.repeat(50));
/** Small enough for one definite-length literal packet: `sq packet split` re-frames longer ones. */
const SMALL = text('D0001 0000150000 TX20261208000001\r\n'.repeat(3));
const OTHER = text('D0001 0000990000 TX20261208000001\r\n'.repeat(3));

type Expected = { ok: Uint8Array } | { code: string; match?: RegExp };
interface Case {
  name: string;
  make: () => Uint8Array | Promise<Uint8Array>;
  expected: Expected;
  /** Bank profile overrides. */
  profile?: Record<string, unknown>;
  /** A warning the open must log. */
  warns?: RegExp;
}

let g: GpgMaker;
let crypto: PgpBankCrypto;
let logs: string[] = [];
let dispose: () => void;
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  g = new GpgMaker(
    ['bank_ed25519', 'bank2_ed25519', 'bank_rsa3072', 'stranger_ed25519', 'expired_ed25519'],
    ['ours_ed25519'],
  );
  const bankKeys = ['bank_ed25519', 'bank2_ed25519', 'bank_rsa3072', 'expired_ed25519'] as const;
  const t = await tempStore({
    'b-pgp-private': fixtureKeys.ours_ed25519.privateKeyArmored,
    'b-pgp-passphrase': fixtureKeys.ours_ed25519.passphrase!,
    'b-bank-public': bankKeys.map((k) => fixtureKeys[k].publicKeyArmored).join('\n'),
  });
  dispose = t.dispose;
  const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(line) });
  crypto = createBankCrypto({ secrets: t.store, logger });
});
afterAll(() => {
  g?.dispose();
  dispose?.();
});

const US = ['ours_ed25519'] as const;
const bank =
  (...extra: string[]) =>
  (data: Uint8Array) =>
    g.signEncrypt(data, ['bank_ed25519'], [...US], extra);
const rsa = (...extra: string[]) => g.signEncrypt(DATA, ['bank_rsa3072'], [...US], extra);
const signOnly = { encrypt: false };
const flat = ['--compress-algo', 'none'];

/** gpg's one-pass signed message (no compression), split into its packets. */
function signedPackets(data: Uint8Array, signer: 'bank_ed25519' | 'stranger_ed25519') {
  return splitPackets(g.signEncrypt(data, [signer], [], flat));
}

async function aeadMessage(): Promise<Uint8Array> {
  const ours = await openpgp.readKey({ armoredKey: fixtureKeys.ours_ed25519.publicKeyArmored });
  const signer = await openpgp.readPrivateKey({ armoredKey: fixtureKeys.bank_ed25519.privateKeyArmored });
  return (await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: DATA }),
    encryptionKeys: ours,
    signingKeys: signer,
    sessionKey: { data: new Uint8Array(32).fill(7), algorithm: 'aes256', aeadAlgorithm: 'ocb' },
    format: 'binary',
  })) as Uint8Array;
}

async function expiredKeyValidAt(): Promise<number> {
  const key = await openpgp.readKey({ armoredKey: fixtureKeys.expired_ed25519.publicKeyArmored });
  return Math.floor((key.getCreationTime() as Date).getTime() / 1000) + 86_400;
}

const cases: Case[] = [
  { name: 'binary literal, one-pass signed, AES-256', make: () => bank()(DATA), expected: { ok: DATA } },
  { name: 'text mode: CRLF kept as signed', make: () => bank('--textmode')(CRLF), expected: { ok: CRLF } },
  {
    name: 'AES-192 (not our first preference)',
    make: () => bank('--cipher-algo', 'AES192')(DATA),
    expected: { ok: DATA },
  },
  { name: 'AES-128', make: () => bank('--cipher-algo', 'AES')(DATA), expected: { ok: DATA } },
  {
    name: '3DES without allow_legacy_ciphers',
    make: () => bank('--cipher-algo', '3DES')(DATA),
    expected: { code: 'pgp_feature_not_allowed', match: /TRIPLEDES.*allow_legacy_ciphers/ },
  },
  {
    name: '3DES with allow_legacy_ciphers (warned)',
    make: () => bank('--cipher-algo', '3DES')(DATA),
    profile: { allow_legacy_ciphers: true },
    expected: { ok: DATA },
    warns: /legacy cipher/,
  },
  {
    name: 'CAST5 with allow_legacy_ciphers (warned)',
    make: () => bank('--cipher-algo', 'CAST5')(DATA),
    profile: { allow_legacy_ciphers: true },
    expected: { ok: DATA },
    warns: /legacy cipher/,
  },
  {
    name: 'Blowfish, never',
    make: () => bank('--cipher-algo', 'BLOWFISH')(DATA),
    profile: { allow_legacy_ciphers: true },
    expected: { code: 'pgp_feature_not_allowed', match: /cipher/ },
  },
  {
    name: 'IDEA, never',
    make: () => bank('--cipher-algo', 'IDEA')(DATA),
    profile: { allow_legacy_ciphers: true },
    expected: { code: 'pgp_feature_not_allowed', match: /cipher/ },
  },
  {
    name: 'SHA-1 signature',
    make: () => rsa('--digest-algo', 'SHA1'),
    expected: { code: 'pgp_weak_hash', match: /SHA1/ },
  },
  { name: 'SHA-224 signature', make: () => rsa('--digest-algo', 'SHA224'), expected: { ok: DATA } },
  { name: 'SHA-512 signature', make: () => rsa('--digest-algo', 'SHA512'), expected: { ok: DATA } },
  {
    name: 'signed 60 s in the future (accepted, logged)',
    make: () => bank('--faked-system-time', `${nowSeconds() + 60}!`)(DATA),
    expected: { ok: DATA },
    warns: /future, within the allowed clock skew/,
  },
  {
    name: 'signed 1 h in the future',
    make: () => bank('--faked-system-time', `${nowSeconds() + 3600}!`)(DATA),
    expected: { code: 'pgp_signature_in_future', match: /allowed: 600 s/ },
  },
  {
    name: 'signed 1 h in the future, clock_skew_seconds 7200',
    make: () => bank('--faked-system-time', `${nowSeconds() + 3600}!`)(DATA),
    profile: { clock_skew_seconds: 7200 },
    expected: { ok: DATA },
  },
  {
    name: 'trailing signature by a stranger',
    make: () =>
      concatBytes(
        g.signEncrypt(SMALL, ['bank_ed25519'], [], flat),
        g.make(['-u', fixtureKeys.stranger_ed25519.fingerprint, '--detach-sign'], SMALL),
      ),
    profile: signOnly,
    expected: { code: 'pgp_unknown_signer' },
  },
  {
    // Neither gpg nor the OpenPGP grammar accept a signature no one-pass header announces; nor do we.
    name: 'trailing signature by another bank key',
    make: () =>
      concatBytes(
        g.signEncrypt(SMALL, ['bank_ed25519'], [], flat),
        g.make(['-u', fixtureKeys.bank2_ed25519.fingerprint, '--detach-sign'], SMALL),
      ),
    profile: signOnly,
    expected: { code: 'pgp_bad_signature', match: /without a one-pass header/ },
  },
  {
    name: 'one-pass header naming another key than its signature',
    make: () => {
      const [ops] = signedPackets(SMALL, 'stranger_ed25519');
      const [, literal, sig] = signedPackets(SMALL, 'bank_ed25519');
      return concatBytes(ops!.bytes, literal!.bytes, sig!.bytes);
    },
    profile: signOnly,
    expected: { code: 'pgp_bad_signature', match: /one-pass header names key/ },
  },
  {
    name: 'signature over other bytes',
    make: () => {
      const [ops, , sig] = signedPackets(OTHER, 'bank_ed25519');
      const [, literal] = signedPackets(SMALL, 'bank_ed25519');
      return concatBytes(ops!.bytes, literal!.bytes, sig!.bytes);
    },
    profile: signOnly,
    expected: { code: 'pgp_bad_signature', match: /does not match the content/ },
  },
  { name: 'compressed ZIP', make: () => bank('--compress-algo', 'zip')(DATA), expected: { ok: DATA } },
  { name: 'compressed ZLIB', make: () => bank('--compress-algo', 'zlib')(DATA), expected: { ok: DATA } },
  { name: 'compressed BZip2', make: () => bank('--compress-algo', 'bzip2')(DATA), expected: { ok: DATA } },
  { name: 'ASCII armored', make: () => bank('--armor')(DATA), expected: { ok: DATA } },
  {
    name: 'two signatures by bank keys',
    make: () => g.signEncrypt(DATA, ['bank_ed25519', 'bank2_ed25519'], [...US]),
    expected: { ok: DATA },
  },
  {
    name: 'two signatures, one by a stranger',
    make: () => g.signEncrypt(DATA, ['bank_ed25519', 'stranger_ed25519'], [...US]),
    expected: { code: 'pgp_unknown_signer' },
  },
  {
    name: 'a flipped bit in the ciphertext',
    make: () => {
      const wire = bank()(DATA);
      wire[Math.floor(wire.length / 2)]! ^= 0x10;
      return wire;
    },
    expected: { code: 'pgp_corrupted' },
  },
  { name: 'truncated', make: () => bank()(DATA).slice(0, -40), expected: { code: 'pgp_corrupted' } },
  {
    name: 'signed by a key that is not the bank',
    make: () => g.signEncrypt(DATA, ['stranger_ed25519'], [...US]),
    expected: { code: 'pgp_unknown_signer' },
  },
  { name: 'unsigned', make: () => g.signEncrypt(DATA, [], [...US]), expected: { code: 'pgp_not_signed' } },
  {
    // Sign only: our key did not exist yet at the time gpg's clock is set to.
    name: 'signed by an expired bank key (while it was valid)',
    make: async () =>
      g.signEncrypt(DATA, ['expired_ed25519'], [], ['--faked-system-time', `${await expiredKeyValidAt()}!`]),
    profile: signOnly,
    expected: { code: 'pgp_key_expired' },
  },
  {
    name: 'AEAD (SEIPD v2, by openpgp.js)',
    make: aeadMessage,
    expected: { code: 'pgp_feature_not_allowed', match: /AEAD/ },
  },
  {
    name: 'no MDC (gpg --rfc2440)',
    make: () => bank('--rfc2440', '--cipher-algo', 'AES256')(DATA),
    expected: { code: 'pgp_feature_not_allowed', match: /no MDC/ },
  },
  {
    name: 'encrypted to someone else',
    make: () => g.signEncrypt(DATA, ['bank_ed25519'], ['stranger_ed25519']),
    expected: { code: 'pgp_not_encrypted_to_us' },
  },
];

async function outcome(engine: 'openpgp' | 'gpg', message: Uint8Array, profile: Record<string, unknown>) {
  const us = pgpBank('b', {
    engine,
    bank_public_key_secret: 'b-bank-public',
    our_passphrase_secret: 'b-pgp-passphrase',
    ...profile,
  });
  logs = [];
  try {
    return { bytes: await crypto.open(us, 'REC_20261208_01.txt', message), logs };
  } catch (error) {
    if (!(error instanceof PgpError)) throw error;
    return { code: error.code, message: error.message, logs };
  }
}

describe('one table of PGP cases, both engines', () => {
  it.each(cases)('$name', async ({ make, expected, profile, warns }) => {
    const message = await make();
    const seen = {
      openpgp: await outcome('openpgp', message, profile ?? {}),
      gpg: await outcome('gpg', message, profile ?? {}),
    };
    for (const [engine, got] of Object.entries(seen)) {
      if ('ok' in expected) {
        expect(got.code, `${engine}: ${got.message}`).toBeUndefined();
        expect(Buffer.from(got.bytes!).equals(Buffer.from(expected.ok)), `${engine}: bytes differ`).toBe(true);
        if (warns) expect(got.logs.join('\n'), engine).toMatch(warns);
      } else {
        expect(got.code, `${engine}: ${got.message}`).toBe(expected.code);
        expect(got.message).toContain('REC_20261208_01.txt');
        if (expected.match) expect(got.message, engine).toMatch(expected.match);
      }
    }
  });
});
