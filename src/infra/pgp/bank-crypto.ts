/**
 * PGP per bank, as the workflows use it (the `BankCrypto` port) plus stream variants. Keys come
 * from the secret store at each operation (the store caches with a TTL, so a rotated key is picked up without
 * restart):
 * - bank public key(s): `pgp.bank_public_key_secret` (one name or several; each may hold several keys);
 * - our private key(s): `pgp.our_private_key_secret ?? <bank_code>-pgp-private` (newest first), unlocked with
 *   `pgp.our_passphrase_secret` when configured.
 * Uploads: sign with our newest key, encrypt to every bank key; every key checked (expired/revoked: critical).
 * Downloads: decrypt with any of our keys, verify against the bank keys (pinned by accepted_signer_fingerprints),
 * to the policy of docs/pgp.md.
 *
 * @example
 *   const crypto = createBankCrypto({ secrets, logger });
 *   const wire = await crypto.protect(bank, 'PAY_20261126_0001.txt', bytes);
 *   const plain = await crypto.open(bank, 'REC_20261126.txt', downloaded); // throws a PgpError unless it all passed
 */
import type { Logger } from 'pino';
import type { BankConfig } from '../config/schema.ts';
import type { SecretStore } from '../secrets/types.ts';
import type { EngineName, PgpEngine } from './engine.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';
import { createGpgEngine } from './gpg-engine.ts';
import {
  assertUsable,
  type KeyEntry,
  type KeyInfo,
  keyExpiryDays,
  type PrivateKeyEntry,
  readKeyring,
  readPrivateKeyring,
} from './keyring.ts';
import { createOpenpgpEngine } from './openpgp-engine.ts';
import {
  DEFAULT_LIMITS,
  type DecryptLimits,
  decryptWith,
  type OpenedStream,
  type VerifiedMessage,
} from './pipeline.ts';
import { DEFAULT_CLOCK_SKEW_SECONDS } from './policy.ts';
import { ByteMeter, type ByteSource, collect, toAsyncIterable } from './streams.ts';

export interface BankCryptoOptions {
  secrets: SecretStore;
  now?: () => Date;
  logger?: Logger;
  limits?: Partial<DecryptLimits>;
  /** Replace or add engines (tests); defaults: openpgp.js and /usr/bin/gpg. */
  engines?: Partial<Record<EngineName, PgpEngine>>;
  gpgPath?: string;
}

export interface KeyStatus {
  bank: string;
  owner: 'ours' | 'bank';
  secret: string;
  fingerprint: string;
  algorithm: string;
  createdAt: Date;
  expiresAt: Date | null;
  /** Negative once expired; null = no expiry. */
  daysLeft: number | null;
  revoked: boolean;
  /** Our newest key signs; older ones only decrypt/verify. */
  current: boolean;
  /** The secret does not exist (fingerprint and algorithm are then empty). */
  missing?: true;
}

export interface PgpBankCrypto {
  /** Sign-then-encrypt (per the bank profile) a whole file. */
  protect(bank: BankConfig, fileName: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Decrypt-then-verify a whole file; throws a PgpError on any failure. */
  open(bank: BankConfig, fileName: string, data: Uint8Array): Promise<Uint8Array>;
  /** Streaming sign+encrypt; keys are loaded and checked before the stream is returned. */
  protectStream(bank: BankConfig, fileName: string, input: ByteSource): Promise<AsyncIterable<Uint8Array>>;
  /** Decrypt+verify from a stream (read whole, bounded by the limits); the data comes only once all passed. */
  openStream(bank: BankConfig, fileName: string, input: ByteSource): Promise<OpenedStream>;
  /** Every key of the bank (ours and theirs) with days to expiry, for metrics and `keys show`. */
  keyStatus(bank: BankConfig): Promise<KeyStatus[]>;
}

export function ourPrivateKeySecret(bank: BankConfig): string {
  return bank.pgp.our_private_key_secret ?? `${bank.bank_code}-pgp-private`;
}

export function ourPublicKeySecret(bank: BankConfig): string {
  const priv = ourPrivateKeySecret(bank);
  return priv.endsWith('-private') ? `${priv.slice(0, -'-private'.length)}-public` : `${priv}-public`;
}

export function bankPublicKeySecrets(bank: BankConfig): string[] {
  const names = bank.pgp.bank_public_key_secret;
  return Array.isArray(names) ? names : [names];
}

function secretsOf(store: SecretStore, ctx: PgpErrorContext) {
  return async (name: string, what: string): Promise<string> => {
    try {
      return (await store.get(name)).value;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'secret_missing') {
        throw new PgpError('pgp_key_missing', ctx, `${what} secret "${name}" does not exist`);
      }
      throw error;
    }
  };
}

export function createBankCrypto(options: BankCryptoOptions): PgpBankCrypto {
  const now = options.now ?? (() => new Date());
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const engines: Record<EngineName, PgpEngine> = {
    openpgp: options.engines?.openpgp ?? createOpenpgpEngine(),
    gpg: options.engines?.gpg ?? createGpgEngine(options.gpgPath ? { gpgPath: options.gpgPath } : {}),
  };
  const log = options.logger;

  async function bankKeys(bank: BankConfig, ctx: PgpErrorContext): Promise<KeyEntry[]> {
    const read = secretsOf(options.secrets, ctx);
    const all: KeyEntry[] = [];
    for (const name of bankPublicKeySecrets(bank)) {
      all.push(...(await readKeyring(await read(name, 'bank public key'), ctx, `bank public key secret "${name}"`)));
    }
    return all;
  }

  async function ourKeys(bank: BankConfig, ctx: PgpErrorContext): Promise<PrivateKeyEntry[]> {
    const read = secretsOf(options.secrets, ctx);
    const name = ourPrivateKeySecret(bank);
    const text = await read(name, 'our private key');
    const passphraseName = bank.pgp.our_passphrase_secret;
    const passphrase = passphraseName ? await read(passphraseName, 'our key passphrase') : undefined;
    return readPrivateKeyring(text, passphrase, ctx, `our private key secret "${name}"`);
  }

  async function protectStream(bank: BankConfig, fileName: string, input: ByteSource) {
    const ctx = { bank: bank.bank_code, file: fileName };
    const at = now();
    if (!bank.pgp.encrypt && !bank.pgp.sign) return toAsyncIterable(input);
    const recipients = bank.pgp.encrypt ? await bankKeys(bank, ctx) : [];
    for (const key of recipients) await assertUsable(key, 'encrypt', ctx, at);
    let signer: PrivateKeyEntry | undefined;
    if (bank.pgp.sign) {
      signer = (await ourKeys(bank, ctx))[0];
      if (!signer) throw new PgpError('pgp_key_missing', ctx, 'no private key to sign with');
      await assertUsable(signer, 'sign', ctx, at);
    }
    const engine = engines[bank.pgp.engine];
    log?.info(
      {
        bank: bank.bank_code,
        file: fileName,
        engine: engine.name,
        recipients: recipients.map((r) => r.info.fingerprint),
        signer: signer?.info.fingerprint ?? null,
      },
      'pgp protect',
    );
    return engine.encrypt(toAsyncIterable(input), {
      ctx,
      recipients,
      ...(signer ? { signer } : {}),
      armor: bank.pgp.armor,
      filename: fileName,
      now: at,
    });
  }

  /** Keys (checked), engine and policy for opening a file of the bank. */
  async function openJob(bank: BankConfig, fileName: string) {
    const ctx = { bank: bank.bank_code, file: fileName };
    const at = now();
    const decryptionKeys = bank.pgp.encrypt ? await ourKeys(bank, ctx) : [];
    for (const key of decryptionKeys) await assertUsable(key, 'decrypt', ctx, at);
    const verificationKeys: KeyEntry[] = bank.pgp.sign ? await bankKeys(bank, ctx) : [];
    return {
      engine: engines[bank.pgp.engine],
      keys: { ctx, decryptionKeys, verificationKeys, now: at },
      policy: {
        requireEncryption: bank.pgp.encrypt,
        requireSignature: bank.pgp.sign,
        acceptedSigners: bank.pgp.accepted_signer_fingerprints.map((f) => f.toUpperCase()),
        limits,
        allowLegacyCiphers: bank.pgp.allow_legacy_ciphers ?? false,
        clockSkewSeconds: bank.pgp.clock_skew_seconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
        warn: (message: string, fields: Record<string, unknown>) =>
          log?.warn({ bank: bank.bank_code, file: fileName, engine: bank.pgp.engine, ...fields }, message),
      },
    };
  }

  function logOpened(bank: BankConfig, fileName: string, engine: PgpEngine, result: Promise<VerifiedMessage>) {
    result.then(
      (r) =>
        log?.info(
          {
            bank: bank.bank_code,
            file: fileName,
            engine: engine.name,
            signer: r.signerFingerprint ?? null,
            bytes: r.bytesOut,
          },
          'pgp opened',
        ),
      (e: unknown) =>
        log?.warn(
          {
            bank: bank.bank_code,
            file: fileName,
            engine: engine.name,
            code: (e as PgpError).code,
            error: (e as Error).message,
          },
          'pgp open failed',
        ),
    );
  }

  async function openWith(bank: BankConfig, fileName: string, input: ByteSource): Promise<OpenedStream> {
    const { engine, keys, policy } = await openJob(bank, fileName);
    const opened = await decryptWith(engine, toAsyncIterable(input), keys, policy);
    logOpened(bank, fileName, engine, opened.result);
    return opened;
  }

  async function openStream(bank: BankConfig, fileName: string, input: ByteSource): Promise<OpenedStream> {
    if (!bank.pgp.encrypt && !bank.pgp.sign) {
      const meter = new ByteMeter();
      const data = meter.pass(toAsyncIterable(input));
      let done!: (v: VerifiedMessage) => void;
      const result = new Promise<VerifiedMessage>((r) => {
        done = r;
      });
      async function* passthrough() {
        yield* data;
        done({ signers: [], encryptedTo: [], bytesIn: meter.bytes, bytesOut: meter.bytes });
      }
      return { data: passthrough(), result };
    }
    return openWith(bank, fileName, input);
  }

  return {
    async protect(bank, fileName, plaintext) {
      return collect(await protectStream(bank, fileName, plaintext));
    },
    async open(bank, fileName, data) {
      const opened = await openStream(bank, fileName, data);
      const plaintext = await collect(opened.data);
      await opened.result;
      return plaintext;
    },
    protectStream,
    openStream,
    async keyStatus(bank) {
      const ctx = { bank: bank.bank_code, file: '-' };
      const at = now();
      const out: KeyStatus[] = [];
      const push = (owner: KeyStatus['owner'], secret: string, info: KeyInfo, current: boolean) =>
        out.push({
          bank: bank.bank_code,
          owner,
          secret,
          fingerprint: info.fingerprint,
          algorithm: info.algorithm,
          createdAt: info.createdAt,
          expiresAt: info.expiresAt,
          daysLeft: keyExpiryDays(info, at),
          revoked: info.revoked,
          current,
        });
      const read = secretsOf(options.secrets, ctx);
      const load = async (owner: KeyStatus['owner'], name: string) => {
        let text: string;
        try {
          text = await read(name, owner === 'ours' ? 'our private key' : 'bank public key');
        } catch (error) {
          if (!(error instanceof PgpError && error.code === 'pgp_key_missing')) throw error;
          out.push({
            bank: bank.bank_code,
            owner,
            secret: name,
            fingerprint: '',
            algorithm: '',
            createdAt: at,
            expiresAt: null,
            daysLeft: null,
            revoked: false,
            current: false,
            missing: true,
          });
          return;
        }
        // Public information only: a private secret is parsed, never unlocked, for this listing.
        const keys = await readKeyring(text, ctx, `secret "${name}"`);
        for (const [i, k] of keys.entries()) push(owner, name, k.info, owner === 'bank' || i === 0);
      };
      await load('ours', ourPrivateKeySecret(bank));
      for (const name of bankPublicKeySecrets(bank)) await load('bank', name);
      return out;
    },
  };
}
