import { spawnSync } from 'node:child_process';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from './generate.ts';

describe('generateKeyPair', () => {
  it.each(['ed25519', 'rsa3072'] as const)(
    '%s: advertises AES-256, AES-192, AES-128, and gpg reads it so',
    async (type) => {
      const pair = await generateKeyPair({
        userId: 'Lucky Gas <pay@example.tw>',
        type,
        passphrase: 'pw',
        expiresInDays: 30,
      });
      const listed = spawnSync('gpg', ['--list-packets'], { input: pair.publicKeyArmored }).stdout.toString();
      expect(listed).toMatch(/hashed subpkt 11 len 3 \(pref-sym-algos: 9 8 7\)/);
      expect(listed).not.toMatch(/pref-aead|sym-algos: 9 7\)/);
      // The private key stays protected, and re-certified by itself: openpgp.js verifies the new certification.
      const priv = await openpgp.readPrivateKey({ armoredKey: pair.privateKeyArmored });
      expect(priv.isDecrypted()).toBe(false);
      const unlocked = await openpgp.decryptKey({ privateKey: priv, passphrase: 'pw' });
      await expect(unlocked.getEncryptionKey()).resolves.toBeDefined(); // throws without a valid certification
      expect(unlocked.users[0]!.selfCertifications.map((c) => c.preferredSymmetricAlgorithms)).toEqual([[9, 8, 7]]);
      expect(pair.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    },
  );
});
