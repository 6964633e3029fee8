/**
 * Key rotation: files go to every bank key during an overlap and open with either; a rotated own key still
 * opens and verifies the files archived under the old one; expiry is visible as days left.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBankCrypto, ensureKeyPair, rotateKeyPair, splitArmoredKeys } from '../src/infra/pgp/index.ts';
import { fixtureKeys, pgpBank, tempStore } from './fixtures/pgp/fixtures.ts';

const payload = new TextEncoder().encode('PAYMENT FILE\r\n'.repeat(20));
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe.each(['openpgp', 'gpg'] as const)('%s engine', (engine) => {
  it('a file encrypted to two bank keys (overlap) decrypts with either', async () => {
    const { store, dispose } = await tempStore({
      'b-pgp-private': fixtureKeys.ours_old_ed25519.privateKeyArmored,
      'bank-old-public': fixtureKeys.bank_ed25519.publicKeyArmored,
      'bank-new-public': fixtureKeys.bank2_ed25519.publicKeyArmored,
      'bank-old-private': fixtureKeys.bank_ed25519.privateKeyArmored,
      'bank-new-private': fixtureKeys.bank2_ed25519.privateKeyArmored,
      'us-public': fixtureKeys.ours_old_ed25519.publicKeyArmored,
    });
    cleanups.push(dispose);
    const crypto = createBankCrypto({ secrets: store });
    const us = pgpBank('b', { engine, bank_public_key_secret: ['bank-old-public', 'bank-new-public'] });
    const wire = await crypto.protect(us, 'PAY.txt', payload);
    for (const privateName of ['bank-old-private', 'bank-new-private']) {
      const bankSide = pgpBank('sim', {
        engine,
        bank_public_key_secret: 'us-public',
        our_private_key_secret: privateName,
      });
      expect(await crypto.open(bankSide, 'PAY.txt', wire)).toEqual(payload);
    }
  });
});

describe('our own key rotation', () => {
  it('keeps the old key to open archived files; signs new files with the new key only', async () => {
    const { store, dispose } = await tempStore({ 'bank-public': fixtureKeys.bank_ed25519.publicKeyArmored });
    cleanups.push(dispose);
    const names = {
      privateName: 'b-pgp-private',
      publicName: 'b-pgp-public',
      userId: 'Lucky Gas <pay@luckygas.example>',
    };
    const first = await ensureKeyPair(store, { ...names, passphraseName: 'b-pgp-passphrase' });
    expect(first.created).toBe(true);
    expect((await ensureKeyPair(store, names)).created).toBe(false);
    const crypto = createBankCrypto({ secrets: store });
    const us = pgpBank('b', {
      bank_public_key_secret: 'bank-public',
      our_passphrase_secret: 'b-pgp-passphrase',
      encrypt: false,
    });
    const archivedOld = await crypto.protect(us, 'PAY_old.txt', payload);

    const second = await rotateKeyPair(store, { ...names, passphraseName: 'b-pgp-passphrase', expiresInDays: 365 });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(splitArmoredKeys((await store.get('b-pgp-private')).value)).toHaveLength(2);
    expect(splitArmoredKeys((await store.get('b-pgp-public')).value)).toHaveLength(2);

    // The old archive still verifies; a new file is signed by the new key.
    for (const engine of ['openpgp', 'gpg'] as const) {
      const bank = { ...us, pgp: { ...us.pgp, engine } };
      const ownArchive = { ...bank, pgp: { ...bank.pgp, bank_public_key_secret: 'b-pgp-public' } };
      expect(await crypto.open(ownArchive, 'PAY_old.txt', archivedOld)).toEqual(payload);
      const fresh = await crypto.protect(bank, 'PAY_new.txt', payload);
      const opened = await crypto.openStream(
        { ...bank, pgp: { ...bank.pgp, bank_public_key_secret: 'b-pgp-public' } },
        'PAY_new.txt',
        fresh,
      );
      for await (const _ of opened.data) {
        // drain
      }
      expect((await opened.result).signerFingerprint).toBe(second.fingerprint);
    }

    const status = await crypto.keyStatus(us);
    const ours = status.filter((s) => s.owner === 'ours');
    expect(ours.map((s) => [s.fingerprint, s.current])).toEqual([
      [second.fingerprint, true],
      [first.fingerprint, false],
    ]);
    expect(ours[0]!.daysLeft).toBeGreaterThanOrEqual(363);
    expect(ours[0]!.daysLeft).toBeLessThanOrEqual(365);
    expect(ours[1]!.daysLeft).toBeNull();
    expect(status.find((s) => s.owner === 'bank')?.fingerprint).toBe(fixtureKeys.bank_ed25519.fingerprint);
  });

  it('reports days left going negative for an expired bank key', async () => {
    const { store, dispose } = await tempStore({
      'b-pgp-private': fixtureKeys.ours_old_ed25519.privateKeyArmored,
      'expired-public': fixtureKeys.expired_ed25519.publicKeyArmored,
    });
    cleanups.push(dispose);
    const status = await createBankCrypto({ secrets: store }).keyStatus(
      pgpBank('b', { bank_public_key_secret: 'expired-public' }),
    );
    expect(status.find((s) => s.owner === 'bank')?.daysLeft).toBeLessThan(-300);
  });
});
