/**
 * The sandbox plays the bank: a payment file that arrives is decrypted with the bank's key and its signature
 * verified against ours (a file that fails is refused, as a bank would), parsed in the bank's format, and
 * answered with a reconciliation file in that format: a success record for most transactions and a return for
 * a configurable share of them (chosen by a hash of the transaction id, so a run is reproducible). The answer
 * is signed with the bank's key and encrypted to ours, exactly as a real bank's file arrives.
 */
import { createHash } from 'node:crypto';
import { generateReconciliationFile, type PaymentBatchInput, parsePaymentFile } from '../../domain/formats/index.ts';
import { taipeiDate } from '../../domain/taipei-time.ts';
import type { BankConfig, Config } from '../../infra/config/schema.ts';
import { ensureKeyPair, type PgpBankCrypto } from '../../infra/pgp/index.ts';
import type { SecretStore } from '../../infra/secrets/index.ts';
import type { OnPaymentFile } from '../../infra/sftp/sandbox/index.ts';

/** Sandbox key names: ours per bank (what the system uses) and the simulated bank's own. */
export function sandboxKeyNames(bank: BankConfig) {
  const bankPublic = Array.isArray(bank.pgp.bank_public_key_secret)
    ? bank.pgp.bank_public_key_secret[0]!
    : bank.pgp.bank_public_key_secret;
  const ourPrivate = bank.pgp.our_private_key_secret ?? `${bank.bank_code}-pgp-private`;
  return {
    ourPrivate,
    ourPublic: ourPrivate.endsWith('-private') ? `${ourPrivate.slice(0, -8)}-public` : `${ourPrivate}-public`,
    bankPrivate: `sandbox-${bank.bank_code}-pgp-private`,
    bankPublic,
  };
}

/**
 * Creates the PGP key pairs of the sandbox on first start (ours and the simulated banks'), Ed25519, dated by
 * the system's clock: a simulated day in the past must not find its keys created after it (openpgp.js refuses
 * a key whose self-signature is in the future of the moment it is used).
 */
export async function ensureSandboxKeys(
  store: SecretStore,
  banks: BankConfig[],
  createdAt: Date = new Date(),
): Promise<void> {
  for (const bank of banks.filter((b) => b.sandbox)) {
    const names = sandboxKeyNames(bank);
    await ensureKeyPair(store, {
      privateName: names.ourPrivate,
      publicName: names.ourPublic,
      userId: `banking-sftp for ${bank.bank_name} <payments+${bank.bank_code}@localhost>`,
      type: 'ed25519',
      createdAt,
    });
    await ensureKeyPair(store, {
      privateName: names.bankPrivate,
      publicName: names.bankPublic,
      userId: `${bank.bank_name} sandbox <sftp@${bank.bank_code}.sandbox>`,
      type: 'ed25519',
      createdAt,
    });
  }
}

/** The bank's side of the key pairs: it decrypts with its key and verifies ours, and signs back with its own. */
export function mirrorForBank(bank: BankConfig): BankConfig {
  const names = sandboxKeyNames(bank);
  return {
    ...bank,
    pgp: {
      ...bank.pgp,
      engine: 'openpgp',
      bank_public_key_secret: names.ourPublic,
      our_private_key_secret: names.bankPrivate,
      accepted_signer_fingerprints: [],
    },
  };
}

function rank(transactionId: string): number {
  return createHash('sha256').update(transactionId).digest().readUInt32BE(0);
}

/**
 * Which transactions the bank returns: ceil(share x count) of them (so a demo file of a few transactions still
 * shows a return when the share is above 0), the ones whose transaction id hashes lowest, so a run is
 * reproducible. A per-transaction coin toss at 5 % gave no return at all on the demo's 8-transaction files.
 */
export function returnedIds(transactionIds: string[], share: number): Set<string> {
  const count = share <= 0 ? 0 : Math.min(transactionIds.length, Math.ceil(share * transactionIds.length));
  return new Set([...transactionIds].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, count));
}

const HOUSE_RETURNS = ['R01', 'R03', 'R04'] as const;
const HOUSE_MESSAGES: Record<string, string> = { R01: '餘額不足', R03: '無此帳號', R04: '帳號錯誤' };

export function answerFor(
  bank: BankConfig,
  batch: PaymentBatchInput,
  share: number,
  now: Date,
): Parameters<typeof generateReconciliationFile>[1] {
  const date = taipeiDate(now);
  const returns = returnedIds(
    batch.transactions.map((tx) => tx.transaction_id),
    share,
  );
  const records = batch.transactions.map((tx, i) => {
    const returned = returns.has(tx.transaction_id);
    const amount = tx.amount_cents;
    if (bank.file_format === 'tch_ach') {
      return {
        record_type: returned ? 'R' : 'N',
        type: returned ? 'R' : 'N',
        txtype: tx.direction === 'credit' ? 'SC' : 'SD',
        txid: tx.txid ?? (tx.direction === 'credit' ? bank.txid.credit : bank.txid.debit),
        seq: i + 1,
        pbank: `${tx.fisc_code}${tx.branch_code}`,
        pclno: tx.account_number,
        rbank: batch.originator.bank_unit,
        rclno: batch.originator.account_number,
        amount_cents: amount,
        code: returned ? '01' : null,
        cid: tx.id_number,
        pid: batch.originator.id_number,
        cno: tx.cno ?? null,
        note: tx.transaction_id,
        pdate: batch.created_at.slice(0, 10),
        pseq: i + 1,
        transaction_id: tx.transaction_id,
        date,
        message: null,
      };
    }
    const code = returned ? HOUSE_RETURNS[i % HOUSE_RETURNS.length]! : '000';
    return {
      record_type: returned ? 'R' : 'D',
      seq: i + 1,
      transaction_id: tx.transaction_id,
      bank_reference: returned ? null : `B${String(i + 1).padStart(8, '0')}`,
      code,
      message: returned ? HOUSE_MESSAGES[code]! : '交易成功',
      date,
      amount_cents: amount,
    };
  });
  return { records } as never;
}

export interface SimulatorOptions {
  config: Pick<Config, 'banks' | 'sandbox'>;
  crypto: PgpBankCrypto;
  now?: () => Date;
  /** Told what the bank answered, so the demo's log shows the bank at work between upload and poll. */
  onAnswer?: (answer: { bankCode: string; received: string; answer: string; records: number; returns: number }) => void;
}

export function createBankSimulator(options: SimulatorOptions): OnPaymentFile {
  const now = options.now ?? (() => new Date());
  return async ({ bankCode, name, bytes }) => {
    const bank = options.config.banks.find((b) => b.bank_code === bankCode);
    if (!bank) return [];
    const mirror = mirrorForBank(bank);
    const plaintext = bank.pgp.encrypt || bank.pgp.sign ? await options.crypto.open(mirror, name, bytes) : bytes;
    const batch = parsePaymentFile(bank.file_format, plaintext, { encoding: bank.encoding, fileName: name });
    const answer = answerFor(bank, batch, options.config.sandbox.return_share, now());
    const records = (answer as unknown as { records: Array<{ record_type: string }> }).records;
    const file = generateReconciliationFile(bank.file_format, answer, { encoding: bank.encoding });
    const protectedBytes = bank.pgp.encrypt || bank.pgp.sign ? await options.crypto.protect(mirror, name, file) : file;
    const stem = name.replace(/^PAY_/, 'REC_').replace(/\.[^.]+$/, '');
    const extension = bank.file_format === 'csv' ? 'csv' : 'txt';
    options.onAnswer?.({
      bankCode,
      received: name,
      answer: `${stem}.${extension}`,
      records: records.length,
      returns: records.filter((r) => r.record_type === 'R').length,
    });
    return [{ name: `${stem}.${extension}`, bytes: protectedBytes }];
  };
}
