/**
 * What the reconciliation poll runs on in the security tests: a real database, the real SFTP transport, real PGP
 * (fixture keys: ours_ed25519 for us, bank_ed25519 for the bank) and a scratch data directory (the inbox), plus
 * helpers to write a genuine reconciliation file as the bank would and to list every file the poll wrote.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateReconciliationFile } from '../../src/domain/formats/index.ts';
import type { BankConfig, Config } from '../../src/infra/config/schema.ts';
import { createBankCrypto, type PgpBankCrypto } from '../../src/infra/pgp/index.ts';
import type { SecretStore } from '../../src/infra/secrets/types.ts';
import { createSftpTransport, type SftpTransport } from '../../src/workflows/adapters/sftp-transport.ts';
import { type PollDeps, pollBank } from '../../src/workflows/reconciliation/poll-bank.ts';
import { fixtureKeys, pairBanks, pairSecrets, tempStore } from '../fixtures/pgp/fixtures.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { TEST_SFTP_SETTINGS } from '../support/test-config.ts';

export const DAY = '2026-11-26';
export const NOW = new Date('2026-11-26T10:00:00+08:00');

/** PGP settings of a bank whose files we open with the fixture keys. */
export const BANK_PGP = {
  engine: 'openpgp',
  bank_public_key_secret: 'b-bank-public',
  our_private_key_secret: 'b-pgp-private',
  ...(fixtureKeys.ours_ed25519.passphrase ? { our_passphrase_secret: 'b-pgp-passphrase' } : {}),
} as const;

/** The bank's side: signs with the bank key and encrypts to ours. */
const asTheBank = pairBanks('openpgp', 'ours_ed25519', 'bank_ed25519').sim;

export interface PollFixture {
  scratch: string;
  /** The poll's data directory: inbound copies and quarantine live under it, nothing else may be written. */
  dataDir: string;
  db: TestDatabase;
  crypto: PgpBankCrypto;
  store: SecretStore;
  transport: SftpTransport;
  deps: PollDeps;
  poll(bank: BankConfig): ReturnType<typeof pollBank>;
  /** `plaintext` signed with the bank's key and encrypted to ours, as the bank sends a file. */
  asBank(name: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** A well-formed, signed and encrypted CSV reconciliation file, as the bank sends it. */
  genuineFile(name: string, transactionId?: string, options?: { encrypt?: boolean }): Promise<Uint8Array>;
  /** Every file under `dir`, relative, recursively. */
  filesUnder(dir: string): string[];
  close(): Promise<void>;
}

export async function startPollFixture(options: {
  getSecret: (name: string) => Promise<string>;
  sandboxDir?: string;
  extraSecrets?: Record<string, string>;
  limits?: Parameters<typeof createBankCrypto>[0]['limits'];
}): Promise<PollFixture> {
  const scratch = mkdtempSync(join(tmpdir(), 'security-poll-'));
  const dataDir = join(scratch, 'data');
  const db = await openTestDatabase();
  const { store, dispose } = await tempStore({
    ...pairSecrets('ours_ed25519', 'bank_ed25519'),
    ...options.extraSecrets,
  });
  const crypto = createBankCrypto({
    secrets: store,
    now: () => NOW,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const transport = createSftpTransport(
    {
      sftp: TEST_SFTP_SETTINGS,
      sandbox: { dir: options.sandboxDir ?? join(scratch, 'no-sandbox') },
    } as Pick<Config, 'sftp' | 'sandbox'>,
    options.getSecret,
    { wait: async () => {} },
  );
  const deps: PollDeps = { db: db.db, crypto, transport, now: () => NOW, dataDir, instanceId: 'security' };
  const filesUnder = (dir: string): string[] => {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const entry of readdirSync(join(dir, rel))) {
        const path = join(rel, entry);
        if (statSync(join(dir, path)).isDirectory()) walk(path);
        else out.push(path);
      }
    };
    walk('');
    return out.sort();
  };
  return {
    scratch,
    dataDir,
    db,
    crypto,
    store,
    transport,
    deps,
    poll: (bank) => pollBank(deps, bank, [DAY]),
    asBank: (name, plaintext) => crypto.protect(asTheBank, name, plaintext),
    genuineFile: async (name, transactionId = 'TX202611260000000001', options = {}) => {
      const plain = generateReconciliationFile(
        'csv',
        {
          records: [
            {
              record_type: 'D',
              seq: 1,
              transaction_id: transactionId,
              code: '00',
              date: DAY,
              amount_cents: 150_000,
            },
          ],
        },
        { encoding: 'UTF-8' },
      );
      return crypto.protect({ ...asTheBank, pgp: { ...asTheBank.pgp, encrypt: options.encrypt ?? true } }, name, plain);
    },
    filesUnder,
    close: async () => {
      await transport.end();
      await db.close();
      dispose();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export async function exceptionsOf(fixture: PollFixture, kind: string) {
  return fixture.db.db.selectFrom('exceptions').selectAll().where('kind', '=', kind).orderBy('id').execute();
}

export async function fileRow(fixture: PollFixture, name: string) {
  return fixture.db.db
    .selectFrom('reconciliation_files')
    .selectAll()
    .where('remote_name', '=', name)
    .executeTakeFirst();
}
