/**
 * Each failure has its own code (all critical: the file is quarantined, never retried), the same code from both
 * engines, and a message naming bank, file and key.
 */
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankCrypto, type PgpBankCrypto, PgpError } from '../src/infra/pgp/index.ts';
import type { SecretStore } from '../src/infra/secrets/types.ts';
import { compressionBomb, fixtureKeys, pairBanks, pairSecrets, tempStore } from './fixtures/pgp/fixtures.ts';

const payload = new TextEncoder().encode('D0001 0000150000 TX20261126000001\r\n'.repeat(50));
const FILE = 'REC_20261126_01.txt';

let store: SecretStore;
let crypto: PgpBankCrypto;
let dispose: () => void;
beforeAll(async () => {
  const stranger = fixtureKeys.stranger_ed25519;
  ({ store, dispose } = await tempStore({
    ...pairSecrets('ours_ed25519', 'bank_ed25519'),
    'stranger-private': stranger.privateKeyArmored,
    'stranger-public': stranger.publicKeyArmored,
    'expired-public': fixtureKeys.expired_ed25519.publicKeyArmored,
    'expired-private': fixtureKeys.expired_ed25519.privateKeyArmored,
    'revoked-public': fixtureKeys.revoked_ed25519.publicKeyArmored,
  }));
  crypto = createBankCrypto({ secrets: store });
});
afterAll(() => dispose());

async function failure(promise: Promise<unknown>): Promise<PgpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PgpError);
    const e = error as PgpError;
    expect(e.retryClass).toBe('critical');
    expect(e.message).toContain('bank b');
    return e;
  }
  throw new Error('expected a PgpError');
}

describe.each(['openpgp', 'gpg'] as const)('%s engine', (engine) => {
  const { us, sim } = pairBanks(engine, 'ours_ed25519', 'bank_ed25519');

  it('tampered ciphertext -> pgp_corrupted', async () => {
    const wire = await crypto.protect(sim, FILE, payload);
    const tampered = wire.slice();
    tampered[tampered.length - 30]! ^= 0x01;
    const e = await failure(crypto.open(us, FILE, tampered));
    expect(e.code).toBe('pgp_corrupted');
    expect(e.message).toContain(FILE);
  });

  it('truncated message -> pgp_corrupted', async () => {
    const wire = await crypto.protect(sim, FILE, payload);
    expect((await failure(crypto.open(us, FILE, wire.slice(0, wire.length - 40)))).code).toBe('pgp_corrupted');
  });

  it('encrypted to someone else -> pgp_not_encrypted_to_us, naming the recipient key', async () => {
    const wire = await crypto.protect(
      { ...sim, pgp: { ...sim.pgp, bank_public_key_secret: 'stranger-public' } },
      FILE,
      payload,
    );
    const e = await failure(crypto.open(us, FILE, wire));
    expect(e.code).toBe('pgp_not_encrypted_to_us');
    const strangerKey = await openpgp.readKey({ armoredKey: fixtureKeys.stranger_ed25519.publicKeyArmored });
    const encryptionSubkeyId = (await strangerKey.getEncryptionKey()).getKeyID().toHex().toUpperCase();
    expect(e.message).toContain(encryptionSubkeyId);
  });

  it('signed by a key that is not the bank -> pgp_unknown_signer', async () => {
    // The stranger signs, encrypting to us.
    const wire = await crypto.protect(
      { ...sim, pgp: { ...sim.pgp, our_private_key_secret: 'stranger-private', our_passphrase_secret: undefined } },
      FILE,
      payload,
    );
    const e = await failure(crypto.open(us, FILE, wire));
    expect(e.code).toBe('pgp_unknown_signer');
  });

  it('a bank key not in accepted_signer_fingerprints -> pgp_unknown_signer', async () => {
    const wire = await crypto.protect(sim, FILE, payload);
    const pinned = { ...us, pgp: { ...us.pgp, accepted_signer_fingerprints: [fixtureKeys.bank2_ed25519.fingerprint] } };
    const e = await failure(crypto.open(pinned, FILE, wire));
    expect(e.code).toBe('pgp_unknown_signer');
    expect(e.message).toContain(fixtureKeys.bank_ed25519.fingerprint);
    const accepted = {
      ...us,
      pgp: { ...us.pgp, accepted_signer_fingerprints: [fixtureKeys.bank_ed25519.fingerprint.toLowerCase()] },
    };
    expect(await crypto.open(accepted, FILE, wire)).toEqual(payload);
  });

  it('content changed under a valid signature -> pgp_bad_signature (signed-only profile)', async () => {
    const signOnly = (b: typeof us) => ({ ...b, pgp: { ...b.pgp, encrypt: false } });
    const wire = await crypto.protect(signOnly(sim), FILE, payload);
    const text = Buffer.from(wire);
    const at = text.indexOf(Buffer.from('TX20261126000001'));
    text[at + 15] = '9'.charCodeAt(0);
    const e = await failure(crypto.open(signOnly(us), FILE, new Uint8Array(text)));
    expect(e.code).toBe('pgp_bad_signature');
    expect(e.message).toContain(fixtureKeys.bank_ed25519.fingerprint);
  });

  it('unsigned file when the profile requires a signature -> pgp_not_signed', async () => {
    const wire = await crypto.protect({ ...sim, pgp: { ...sim.pgp, sign: false } }, FILE, payload);
    expect((await failure(crypto.open(us, FILE, wire))).code).toBe('pgp_not_signed');
  });

  it('expired bank key -> pgp_key_expired before anything is written', async () => {
    const bank = { ...us, pgp: { ...us.pgp, bank_public_key_secret: 'expired-public' } };
    const e = await failure(crypto.protect(bank, 'PAY_20261126_0001.txt', payload));
    expect(e.code).toBe('pgp_key_expired');
    expect(e.message).toContain(fixtureKeys.expired_ed25519.fingerprint);
    expect(e.message).toContain('PAY_20261126_0001.txt');
  });

  it('expired signer key on an incoming file -> pgp_key_expired', async () => {
    // Signed back when the key was valid (crypto at a past date), verified now (signed-only profile: our
    // encryption key did not exist yet at that date).
    const past = createBankCrypto({ secrets: store, now: () => new Date(Date.now() - 390 * 86_400_000) });
    const wire = await past.protect(
      {
        ...sim,
        pgp: {
          ...sim.pgp,
          engine: 'openpgp',
          encrypt: false,
          our_private_key_secret: 'expired-private',
          our_passphrase_secret: undefined,
        },
      },
      FILE,
      payload,
    );
    const bank = { ...us, pgp: { ...us.pgp, encrypt: false, bank_public_key_secret: 'expired-public' } };
    expect((await failure(crypto.open(bank, FILE, wire))).code).toBe('pgp_key_expired');
  });

  it('revoked bank key -> pgp_key_revoked', async () => {
    const bank = { ...us, pgp: { ...us.pgp, bank_public_key_secret: 'revoked-public' } };
    expect((await failure(crypto.protect(bank, FILE, payload))).code).toBe('pgp_key_revoked');
  });

  it('missing key secret -> pgp_key_missing', async () => {
    const bank = { ...us, pgp: { ...us.pgp, bank_public_key_secret: 'no-such-secret' } };
    const e = await failure(crypto.protect(bank, FILE, payload));
    expect(e.code).toBe('pgp_key_missing');
    expect(e.message).toContain('no-such-secret');
  });

  it('garbage input -> pgp_corrupted', async () => {
    expect((await failure(crypto.open(us, FILE, new TextEncoder().encode('not pgp at all')))).code).toBe(
      'pgp_corrupted',
    );
  });
});

describe('profile limits', () => {
  const { us } = pairBanks('openpgp', 'ours_ed25519', 'bank_ed25519');

  it('refuses an AEAD (SEIPD v2) message with pgp_feature_not_allowed, whichever engine', async () => {
    const ours = await openpgp.readKey({ armoredKey: fixtureKeys.ours_ed25519.publicKeyArmored });
    const signer = await openpgp.readPrivateKey({ armoredKey: fixtureKeys.bank_ed25519.privateKeyArmored });
    const aead = (await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: payload }),
      encryptionKeys: ours,
      signingKeys: signer,
      sessionKey: { data: new Uint8Array(32).fill(7), algorithm: 'aes256', aeadAlgorithm: 'ocb' },
      format: 'binary',
    })) as Uint8Array;
    for (const engine of ['openpgp', 'gpg'] as const) {
      const e = await failure(crypto.open({ ...us, pgp: { ...us.pgp, engine } }, FILE, aead));
      expect(e.code).toBe('pgp_feature_not_allowed');
      expect(e.message).toMatch(/AEAD/);
    }
  });

  it('refuses a compression bomb with a clear error, without inflating it', async () => {
    const bomb = await compressionBomb(256);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024); // 256 MB of plaintext
    for (const engine of ['openpgp', 'gpg'] as const) {
      const before = process.memoryUsage().rss;
      const e = await failure(crypto.open({ ...us, pgp: { ...us.pgp, engine } }, FILE, bomb));
      expect(e.code).toBe('pgp_feature_not_allowed');
      expect(e.message).toMatch(/decompression limit/);
      expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    }
  });
});
