/**
 * Expired PGP keys at the system's edges, with real gpg-compatible keys (fixture expired_ed25519: expired on
 * 2025-11-20), the real ledger and a real OpenSSH bank:
 * - the bank's public key expired: the payment file is not encrypted to it and nothing is uploaded;
 * - our signing key expired: the payment file is not signed with it and nothing is uploaded;
 * - an incoming file signed by the bank's expired key: quarantined, nothing applied.
 * Each is the critical `pgp_key_expired` (the bank actor's manual_intervention path) with a message naming
 * bank, file, key and expiry date; the batch keeps its state, and goes out as soon as a valid key is configured.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { createBankCrypto, PgpError } from '../../src/infra/pgp/index.ts';
import { deliverBatch } from '../../src/workflows/payment-run/deliver-batch.ts';
import { fixtureKeys, pairBanks } from '../fixtures/pgp/fixtures.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from '../support/sshd.ts';
import { BANK_PGP, DAY, exceptionsOf, fileRow, NOW, type PollFixture, startPollFixture } from './poll-fixture.ts';

const EXPIRED = fixtureKeys.expired_ed25519;

async function pgpFailure(promise: Promise<unknown>): Promise<PgpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PgpError);
    return error as PgpError;
  }
  throw new Error('expected a PgpError');
}

describe('expired PGP keys', () => {
  let f: PollFixture;
  let sshd: SshdHandle;
  let bank: BankConfig;
  let batchId: number;
  const uploaded = () => readdirSync(bank.upload_path);
  const deliver = (b: BankConfig) =>
    deliverBatch(
      { db: f.db.db, crypto: f.crypto, transport: f.transport, now: () => NOW, instanceId: 'security' },
      b,
      batchId,
    );
  const batchRow = () =>
    f.db.db
      .selectFrom('payment_batches')
      .select(['state', 'ciphertext'])
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    sshd = await startSshd();
    f = await startPollFixture({
      getSecret: sshdSecrets(sshd),
      extraSecrets: { 'expired-public': EXPIRED.publicKeyArmored, 'expired-private': EXPIRED.privateKeyArmored },
    });
    bank = sshdBank(sshd, { bank_code: 'openssh', pgp: BANK_PGP });
    mkdirSync(bank.upload_path, { recursive: true });
    mkdirSync(bank.download_path, { recursive: true });
    const plaintext = new TextEncoder().encode('TX202611260000000001,0000150000\r\n');
    const row = await f.db.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'openssh',
        value_date: DAY,
        batch_seq: 1,
        batch_number: 'OPENSSH202611260001',
        file_format: 'csv',
        file_name: 'PAY_20261126_0001.txt',
        state: 'generated',
        transaction_count: 1,
        total_cents: 150_000,
        plaintext,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    batchId = row.id;
  });
  afterAll(async () => {
    await f?.close();
    await sshd?.stop();
  });

  it("the bank's public key expired: pgp_key_expired, nothing encrypted, nothing uploaded", async () => {
    const e = await pgpFailure(deliver({ ...bank, pgp: { ...bank.pgp, bank_public_key_secret: 'expired-public' } }));
    expect(e).toMatchObject({ code: 'pgp_key_expired', retryClass: 'critical', fingerprint: EXPIRED.fingerprint });
    expect(e.message).toBe(
      `PGP key expired: bank openssh, file PAY_20261126_0001.txt, key ${EXPIRED.fingerprint}: ` +
        'the key expired on 2025-11-20T06:54:00.000Z (needed to encrypt)',
    );
    expect(uploaded()).toEqual([]);
    expect(await batchRow()).toEqual({ state: 'generated', ciphertext: null });
  });

  it('our signing key expired: pgp_key_expired, nothing signed, nothing uploaded', async () => {
    const ours = {
      ...bank,
      pgp: { ...bank.pgp, our_private_key_secret: 'expired-private', our_passphrase_secret: undefined },
    };
    const e = await pgpFailure(deliver(ours));
    expect(e).toMatchObject({ code: 'pgp_key_expired', retryClass: 'critical', fingerprint: EXPIRED.fingerprint });
    expect(e.message).toContain('the key expired on 2025-11-20T06:54:00.000Z (needed to sign)');
    expect(uploaded()).toEqual([]);
    expect((await batchRow()).state).toBe('generated');
  });

  it('an incoming file signed by the bank key that has since expired is quarantined, nothing applied', async () => {
    // signed while the key was still valid (2025-11-01), arriving now
    const past = createBankCrypto({ secrets: f.store, now: () => new Date('2025-11-01T00:00:00Z') });
    const { sim } = pairBanks('openpgp', 'ours_ed25519', 'bank_ed25519');
    const name = 'REC_20261126_old.txt';
    const wire = await past.protect(
      { ...sim, pgp: { ...sim.pgp, encrypt: false, our_private_key_secret: 'expired-private' } },
      name,
      new TextEncoder().encode('TX202611260000000001,00,2026-11-26,0000150000\r\n'),
    );
    writeFileSync(join(bank.download_path, name), wire);
    // next to it, a file signed by the bank's current key (this bank signs without encrypting)
    writeFileSync(
      join(bank.download_path, 'REC_20261126_01.txt'),
      await f.genuineFile('REC_20261126_01.txt', undefined, { encrypt: false }),
    );
    const signedOnly = {
      ...bank,
      pgp: { ...bank.pgp, encrypt: false, bank_public_key_secret: ['expired-public', 'b-bank-public'] },
    };
    const result = await f.poll(signedOnly);
    expect(result.applied.map((a) => a.name)).toEqual(['REC_20261126_01.txt']);
    expect(result.quarantined).toEqual([
      {
        name,
        error: expect.stringMatching(/^pgp_key_expired: PGP key expired: bank openssh, file REC_20261126_old\.txt/),
      },
    ]);
    expect((await fileRow(f, name))?.status).toBe('quarantined');
    const raised = await exceptionsOf(f, 'quarantined_file');
    expect(raised.map((x) => x.message)).toEqual([
      expect.stringContaining(`${name} from openssh quarantined (pgp_key_expired)`),
    ]);
  });

  it('keeps running: with a valid key configured the batch goes out, once', async () => {
    expect(await deliver(bank)).toBe('uploaded');
    expect(uploaded()).toEqual(['PAY_20261126_0001.txt']);
    expect((await batchRow()).state).toBe('uploaded');
  });
});
