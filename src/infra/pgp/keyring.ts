/**
 * Keys as the rest of the system sees them. A secret holding keys is a *keyring*: one or more ASCII-armored
 * keys concatenated, newest first (rotation prepends the new key and keeps the old one, so files signed or
 * encrypted under the old key still open). Every key is checked before use: revoked or expired (at `now`) is
 * a critical error, and `keyExpiryDays` gives the days left for the metrics that alert before it happens.
 *
 * @example
 *   const keys = await readKeyring(armoredText, ctx);
 *   await assertUsable(keys[0], 'encrypt', ctx, new Date());
 */
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';

export type KeyPurpose = 'encrypt' | 'sign' | 'verify' | 'decrypt';

export interface KeyInfo {
  /** Primary key fingerprint, upper-case hex. */
  fingerprint: string;
  keyId: string;
  /** `rsa3072`, `ed25519`, `nistp256`… of the primary key. */
  algorithm: string;
  userIds: string[];
  createdAt: Date;
  /** null: never expires. */
  expiresAt: Date | null;
  revoked: boolean;
  isPrivate: boolean;
  /** Every key id and fingerprint of the key (primary and subkeys), upper-case. */
  keyIds: string[];
  fingerprints: string[];
}

export interface KeyEntry {
  key: openpgp.Key;
  /** The key as stored (armored); for private keys possibly passphrase-protected. */
  armored: string;
  info: KeyInfo;
}

export interface PrivateKeyEntry extends KeyEntry {
  /** Unlocked copy for openpgp.js; the gpg engine imports `armored` and passes the passphrase by fd. */
  unlocked: openpgp.PrivateKey;
  passphrase?: string;
}

const DAY_MS = 86_400_000;

export function algorithmName(info: openpgp.AlgorithmInfo): string {
  const { algorithm, bits, curve } = info as { algorithm: string; bits?: number; curve?: string };
  if (algorithm.startsWith('rsa')) return `rsa${bits ?? ''}`;
  if (curve === 'ed25519Legacy' || algorithm === 'ed25519') return 'ed25519';
  if (curve === 'curve25519Legacy' || algorithm === 'x25519') return 'cv25519';
  if (curve) return curve.toLowerCase();
  return algorithm;
}

/** Splits concatenated armored blocks (one secret may hold several keys). */
export function splitArmoredKeys(text: string): string[] {
  const blocks = text.match(/-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g);
  return blocks ?? [];
}

export async function describeKey(key: openpgp.Key, now: Date = new Date()): Promise<KeyInfo> {
  const expiration = await key.getExpirationTime(undefined, { ...openpgp.config, ...OPENPGP_CONFIG });
  let revoked = false;
  try {
    revoked = await key.isRevoked(undefined, undefined, now, { ...openpgp.config, ...OPENPGP_CONFIG });
  } catch {
    revoked = false;
  }
  const keys = key.getKeys();
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    algorithm: algorithmName(key.getAlgorithmInfo()),
    userIds: key.getUserIDs(),
    createdAt: key.getCreationTime(),
    expiresAt: expiration instanceof Date ? expiration : null,
    revoked,
    isPrivate: key.isPrivate(),
    keyIds: keys.map((k) => k.getKeyID().toHex().toUpperCase()),
    fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()),
  };
}

/** Days until the key expires (negative once expired), null for a key without expiry. */
export function keyExpiryDays(info: Pick<KeyInfo, 'expiresAt'>, now: Date = new Date()): number | null {
  if (!info.expiresAt) return null;
  return Math.floor((info.expiresAt.getTime() - now.getTime()) / DAY_MS);
}

/** All keys in a secret's text. Unreadable text is `pgp_key_invalid`; no key at all is `pgp_key_missing`. */
export async function readKeyring(text: string, ctx: PgpErrorContext, what: string): Promise<KeyEntry[]> {
  const blocks = splitArmoredKeys(text);
  if (blocks.length === 0) {
    throw new PgpError('pgp_key_missing', ctx, `${what} holds no ASCII-armored OpenPGP key`);
  }
  const entries: KeyEntry[] = [];
  for (const armored of blocks) {
    let keys: openpgp.Key[];
    try {
      keys = await openpgp.readKeys({ armoredKeys: armored, config: OPENPGP_CONFIG });
    } catch (error) {
      throw new PgpError('pgp_key_invalid', ctx, `${what} could not be parsed: ${(error as Error).message}`);
    }
    for (const key of keys) entries.push({ key, armored, info: await describeKey(key) });
  }
  return entries;
}

/** Private keys, unlocked with the passphrase (when they are protected). */
export async function readPrivateKeyring(
  text: string,
  passphrase: string | undefined,
  ctx: PgpErrorContext,
  what: string,
): Promise<PrivateKeyEntry[]> {
  const entries = await readKeyring(text, ctx, what);
  const out: PrivateKeyEntry[] = [];
  for (const entry of entries) {
    const fingerprint = entry.info.fingerprint;
    if (!entry.key.isPrivate()) {
      throw new PgpError('pgp_key_invalid', { ...ctx, fingerprint }, `${what} holds a public key, not a private key`);
    }
    const key = entry.key as openpgp.PrivateKey;
    let unlocked = key;
    if (!key.isDecrypted()) {
      if (!passphrase) {
        throw new PgpError(
          'pgp_passphrase_wrong',
          { ...ctx, fingerprint },
          `${what} is protected and no passphrase is configured`,
        );
      }
      try {
        unlocked = await openpgp.decryptKey({ privateKey: key, passphrase, config: OPENPGP_CONFIG });
      } catch {
        throw new PgpError(
          'pgp_passphrase_wrong',
          { ...ctx, fingerprint },
          `${what} could not be unlocked with the configured passphrase`,
        );
      }
    }
    out.push({ ...entry, unlocked, ...(passphrase ? { passphrase } : {}) });
  }
  return out;
}

/**
 * Throws `pgp_key_revoked` / `pgp_key_expired` / `pgp_key_missing` (no usable subkey for the purpose) when the
 * key cannot be used at `now`. Decryption and archive verification accept an expired key (the material is
 * still ours and old files must open); revocation is refused for every purpose.
 */
export async function assertUsable(
  entry: KeyEntry,
  purpose: KeyPurpose,
  ctx: PgpErrorContext,
  now: Date,
): Promise<void> {
  const { info, key } = entry;
  const where = { ...ctx, fingerprint: info.fingerprint };
  const config = { ...openpgp.config, ...OPENPGP_CONFIG };
  if (await key.isRevoked(undefined, undefined, now, config).catch(() => false)) {
    throw new PgpError('pgp_key_revoked', where, `the key is revoked (needed to ${purpose})`);
  }
  if (purpose === 'decrypt') return;
  if (info.expiresAt && info.expiresAt.getTime() <= now.getTime()) {
    throw new PgpError(
      'pgp_key_expired',
      where,
      `the key expired on ${info.expiresAt.toISOString()} (needed to ${purpose})`,
    );
  }
  try {
    if (purpose === 'encrypt') await key.getEncryptionKey(undefined, now, undefined, config);
    else await key.getSigningKey(undefined, now, undefined, config);
  } catch (error) {
    const message = (error as Error).message;
    const code = /expired/i.test(message)
      ? 'pgp_key_expired'
      : /revoked/i.test(message)
        ? 'pgp_key_revoked'
        : 'pgp_key_missing';
    throw new PgpError(
      code,
      where,
      `no usable ${purpose === 'encrypt' ? 'encryption' : 'signing'} (sub)key: ${message}`,
    );
  }
}

/** The entry whose primary key or a subkey has this key id or fingerprint (case-insensitive). */
export function findKey<T extends KeyEntry>(entries: T[], idOrFingerprint: string): T | undefined {
  const wanted = idOrFingerprint.toUpperCase();
  return entries.find(
    (e) => e.info.keyIds.includes(wanted) || e.info.fingerprints.includes(wanted) || e.info.fingerprint === wanted,
  );
}
