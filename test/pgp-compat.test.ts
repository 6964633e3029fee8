/**
 * What we write is readable by older bank tools: PKESK v3 + SEIPD v1 (MDC), AES-256, no AEAD/OCB packet, even
 * when the recipient key advertises AEAD support; binary or ASCII armor per bank; both input forms accepted.
 */
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankCrypto, looksArmored, type PgpBankCrypto } from '../src/infra/pgp/index.ts';
import { fixtureKeys, GpgCli, pairBanks, pairSecrets, pgpBank, tempStore } from './fixtures/pgp/fixtures.ts';

const payload = new TextEncoder().encode('1,TX1,822,0901,123456789012,150000\n'.repeat(100));
let crypto: PgpBankCrypto;
let dispose: () => void;
beforeAll(async () => {
  const t = await tempStore({
    ...pairSecrets('ours_ed25519', 'bank_ed25519'),
    'aead-public': fixtureKeys.aead_ed25519.publicKeyArmored,
  });
  dispose = t.dispose;
  crypto = createBankCrypto({ secrets: t.store });
});
afterAll(() => dispose());

describe.each(['openpgp', 'gpg'] as const)('%s engine output', (engine) => {
  it('is PKESK v3 + SEIPD v1, AES-256 with MDC, no AEAD, even for a recipient advertising AEAD', async () => {
    const aeadKey = await openpgp.readKey({ armoredKey: fixtureKeys.aead_ed25519.publicKeyArmored });
    const selfSig = await (
      aeadKey as unknown as { getPrimarySelfSignature(): Promise<{ features?: number[] }> }
    ).getPrimarySelfSignature();
    const SEIPD_V2_FEATURE = 0x08;
    expect((selfSig.features?.[0] ?? 0) & SEIPD_V2_FEATURE).toBeTruthy(); // the key does advertise it

    const bank = pgpBank('b', {
      engine,
      bank_public_key_secret: ['b-bank-public', 'aead-public'],
      our_passphrase_secret: 'b-pgp-passphrase',
    });
    const wire = await crypto.protect(bank, 'PAY.txt', payload);
    const outer = await openpgp.readMessage({ binaryMessage: wire });
    expect(outer.packets.map((p) => (p.constructor as unknown as { tag: number }).tag)).toEqual([1, 1, 18]);

    // Decrypting with the AEAD-advertising key's private half shows the cipher and the inner packets.
    const gpg = new GpgCli();
    try {
      gpg.import(fixtureKeys.aead_ed25519.privateKeyArmored);
      gpg.import(fixtureKeys.ours_ed25519.publicKeyArmored);
      const listed = gpg.run(['--list-packets', '--verbose'], wire);
      const text = listed.stdout.toString() + listed.stderr.toString();
      expect(text.match(/:pubkey enc packet: version 3/g)).toHaveLength(2);
      expect(text).toMatch(/encrypted data packet:\s*\n\s*length: (unknown|\d+)\s*\n\s*mdc_method: 2/);
      expect(text).toMatch(/DECRYPTION_INFO 2 9/); // MDC, AES-256
      expect(text).not.toMatch(/:aead encrypted packet:|DECRYPTION_INFO \d+ \d+ [1-9]/);
      expect(text).toMatch(/:onepass_sig packet:/);
      expect(text).toMatch(/:literal data packet:/);
      expect(text).toMatch(/GOODMDC/); // the trailing signature is checked by the interop tests
      expect(text).not.toMatch(/:compressed packet:/);
    } finally {
      gpg.dispose();
    }
  });

  it('writes ASCII armor when the bank profile says so, binary otherwise, and reads both', async () => {
    const { us, sim } = pairBanks(engine, 'ours_ed25519', 'bank_ed25519');
    const armored = await crypto.protect({ ...us, pgp: { ...us.pgp, armor: true } }, 'PAY.txt', payload);
    const binary = await crypto.protect(us, 'PAY.txt', payload);
    expect(new TextDecoder().decode(armored.slice(0, 27))).toBe('-----BEGIN PGP MESSAGE-----');
    expect(looksArmored(armored)).toBe(true);
    expect(binary[0]! & 0x80).toBe(0x80);
    expect(await crypto.open(sim, 'PAY.txt', armored)).toEqual(payload);
    expect(await crypto.open(sim, 'PAY.txt', binary)).toEqual(payload);
  });
});
