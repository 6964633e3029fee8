/**
 * Interoperability with the real GnuPG binary, both directions, RSA-3072 and Ed25519/Curve25519: what our
 * openpgp.js engine writes, gpg decrypts and verifies; what gpg writes, our engines decrypt and verify. The two
 * engines also read each other's output.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBankCrypto, createOpenpgpEngine } from '../src/infra/pgp/index.ts';
import { type FixtureName, fixtureKeys, GpgCli, pairBanks, pairSecrets, tempStore } from './fixtures/pgp/fixtures.ts';

const cases: Array<{ algo: string; ours: FixtureName; bank: FixtureName }> = [
  { algo: 'Ed25519/Curve25519', ours: 'ours_ed25519', bank: 'bank_ed25519' },
  { algo: 'RSA-3072', ours: 'ours_rsa3072', bank: 'bank_rsa3072' },
];

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

const payload = new TextEncoder().encode('H0001 兆豐 payment file\r\n'.repeat(200));

describe.each(cases)('gpg interop with $algo keys', ({ ours, bank }) => {
  it('openpgp.js sign+encrypt -> gpg decrypts and verifies our signature', async () => {
    const { store, dispose } = await tempStore(pairSecrets(ours, bank));
    cleanups.push(dispose);
    const { us } = pairBanks('openpgp', ours, bank);
    const crypto = createBankCrypto({ secrets: store });
    const gpg = new GpgCli();
    cleanups.push(() => gpg.dispose());
    gpg.import(fixtureKeys[bank].privateKeyArmored);
    gpg.import(fixtureKeys[ours].publicKeyArmored);
    for (const armor of [false, true]) {
      const wire = await crypto.protect({ ...us, pgp: { ...us.pgp, armor } }, 'PAY_20261126_0001.txt', payload);
      const r = gpg.run(['--decrypt'], wire, fixtureKeys[bank].passphrase);
      const status = r.stderr.toString();
      expect(r.status, status).toBe(0);
      expect(new Uint8Array(r.stdout)).toEqual(payload);
      expect(status).toContain('[GNUPG:] DECRYPTION_OKAY');
      expect(status).toMatch(new RegExp(`VALIDSIG \\w+ .* ${fixtureKeys[ours].fingerprint}`));
      // SEIPD v1 with MDC (mdc_method 2), AES-256 (sym algo 9), no AEAD (third field 0 or absent).
      expect(status).toMatch(/DECRYPTION_INFO 2 9( 0)?\n/);
    }
  });

  it('gpg sign+encrypt -> openpgp.js and the gpg engine decrypt and verify the bank signature', async () => {
    const { store, dispose } = await tempStore(pairSecrets(ours, bank));
    cleanups.push(dispose);
    const gpg = new GpgCli();
    cleanups.push(() => gpg.dispose());
    gpg.import(fixtureKeys[bank].privateKeyArmored);
    gpg.import(fixtureKeys[ours].publicKeyArmored);
    for (const armor of [false, true]) {
      const r = gpg.run(
        [
          '--sign',
          '--encrypt',
          '-r',
          fixtureKeys[ours].fingerprint,
          '-u',
          fixtureKeys[bank].fingerprint,
          ...(armor ? ['--armor'] : []),
          '--output',
          '-',
        ],
        payload,
        fixtureKeys[bank].passphrase,
      );
      expect(r.status, r.stderr.toString()).toBe(0);
      for (const engine of ['openpgp', 'gpg'] as const) {
        const { us } = pairBanks(engine, ours, bank);
        const crypto = createBankCrypto({ secrets: store });
        const opened = await crypto.openStream(us, 'REC_20261126.txt', new Uint8Array(r.stdout));
        const chunks: Uint8Array[] = [];
        for await (const c of opened.data) chunks.push(c);
        expect(Buffer.concat(chunks)).toEqual(Buffer.from(payload));
        expect((await opened.result).signerFingerprint).toBe(fixtureKeys[bank].fingerprint);
      }
    }
  });

  it('openpgp.js streamed sign+encrypt (input past the whole-array size) -> gpg decrypts and verifies', async () => {
    const { store, dispose } = await tempStore(pairSecrets(ours, bank));
    cleanups.push(dispose);
    const crypto = createBankCrypto({
      secrets: store,
      engines: { openpgp: createOpenpgpEngine({ wholeBelowBytes: 4096 }) },
    });
    const gpg = new GpgCli();
    cleanups.push(() => gpg.dispose());
    gpg.import(fixtureKeys[bank].privateKeyArmored);
    gpg.import(fixtureKeys[ours].publicKeyArmored);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
    async function* chunks() {
      for (let at = 0; at < big.length; at += 65536) yield big.subarray(at, at + 65536);
    }
    const { us } = pairBanks('openpgp', ours, bank);
    const parts: Uint8Array[] = [];
    for await (const c of await crypto.protectStream(us, 'PAY_20261126_0002.txt', chunks())) parts.push(c);
    const r = gpg.run(['--decrypt'], Buffer.concat(parts), fixtureKeys[bank].passphrase);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.from(big))).toBe(0);
    expect(r.stderr.toString()).toMatch(new RegExp(`VALIDSIG \\w+ .* ${fixtureKeys[ours].fingerprint}`));
  });

  it('the two engines read each other', async () => {
    const { store, dispose } = await tempStore(pairSecrets(ours, bank));
    cleanups.push(dispose);
    const crypto = createBankCrypto({ secrets: store });
    for (const [from, to] of [
      ['openpgp', 'gpg'],
      ['gpg', 'openpgp'],
    ] as const) {
      const wire = await crypto.protect(pairBanks(from, ours, bank).us, 'f.txt', payload);
      expect(await crypto.open(pairBanks(to, ours, bank).sim, 'f.txt', wire)).toEqual(payload);
    }
  });
});
