/**
 * Key pairs for our side of a bank (CLI `keys generate`) and for the sandbox bank simulator. Keys are v4
 * (gpg 2.2 and older bank tools read them): `ed25519` = EdDSA primary + Curve25519 ECDH subkey (the "legacy"
 * encodings GnuPG uses), `rsa3072` = RSA-3072 primary + subkey. They advertise SEIPD v1 only (no AEAD), and
 * the ciphers AES-256, AES-192, AES-128 in that order (docs/pgp.md).
 *
 * @example
 *   const pair = await generateKeyPair({ userId: 'Lucky Gas <pay@example.tw>', type: 'ed25519', expiresInDays: 730 });
 *   await ensureKeyPair(secrets, { privateName: 'ctbc-pgp-private', publicName: 'ctbc-pgp-public', userId });
 */
import * as openpgp from 'openpgp';
import type { SecretStore } from '../secrets/types.ts';
import { OPENPGP_CONFIG } from './config.ts';
import { PgpError } from './errors.ts';
import { algorithmName, describeKey, splitArmoredKeys } from './keyring.ts';

export type KeyType = 'ed25519' | 'rsa3072';

export interface GenerateKeyPairOptions {
  /** `Name <email>` or a plain name. */
  userId: string;
  type?: KeyType;
  passphrase?: string;
  /** Absent or 0: no expiry. */
  expiresInDays?: number;
  /** Creation time (tests make already-expired keys with a date in the past). */
  createdAt?: Date;
}

export interface GeneratedKeyPair {
  publicKeyArmored: string;
  privateKeyArmored: string;
  fingerprint: string;
  algorithm: string;
  expiresAt: Date | null;
}

function parseUserId(userId: string): openpgp.UserID {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(userId);
  return match ? { name: match[1] ?? '', email: match[2] } : { name: userId.trim() };
}

const ADVERTISED_CIPHERS = [
  openpgp.enums.symmetric.aes256,
  openpgp.enums.symmetric.aes192,
  openpgp.enums.symmetric.aes128,
];

/**
 * openpgp.js writes the self-certification with AES-256 and AES-128 only (no AES-192, for want of it in some
 * browsers' Web Crypto). Our keys say what we decrypt: the certification is made again, the same in every
 * other respect, with AES-256, AES-192, AES-128, signed by the key itself (openpgp.js SignaturePacket.sign).
 */
async function advertiseCiphers(key: openpgp.PrivateKey, date: Date): Promise<void> {
  for (const user of key.users) {
    const [old] = user.selfCertifications;
    if (!old || !user.userID) continue;
    const cert = new openpgp.SignaturePacket();
    for (const field of [
      'version',
      'signatureType',
      'publicKeyAlgorithm',
      'hashAlgorithm',
      'created',
      'keyFlags',
      'features',
      'preferredHashAlgorithms',
      'preferredCompressionAlgorithms',
      'keyExpirationTime',
      'keyNeverExpires',
      'isPrimaryUserID',
      'issuerKeyID',
      'issuerKeyVersion',
      'issuerFingerprint',
    ] as const) {
      (cert as unknown as Record<string, unknown>)[field] = old[field];
    }
    cert.preferredSymmetricAlgorithms = [...ADVERTISED_CIPHERS];
    // sign(key, data, date, detached, config): the typings omit the config its JSDoc documents and it needs.
    const sign = cert.sign as (...args: unknown[]) => Promise<void>;
    await sign.call(cert, key.keyPacket, { userID: user.userID, key: key.keyPacket }, old.created ?? date, false, {
      ...openpgp.config,
      ...OPENPGP_CONFIG,
    });
    user.selfCertifications = [cert];
  }
}

export async function generateKeyPair(options: GenerateKeyPairOptions): Promise<GeneratedKeyPair> {
  const type = options.type ?? 'ed25519';
  const algorithm =
    type === 'rsa3072'
      ? { type: 'rsa' as const, rsaBits: 3072 }
      : { type: 'ecc' as const, curve: 'ed25519Legacy' as openpgp.EllipticCurveName };
  const date = options.createdAt ?? new Date();
  const generated = await openpgp.generateKey({
    ...algorithm,
    userIDs: [parseUserId(options.userId)],
    ...(options.expiresInDays ? { keyExpirationTime: Math.round(options.expiresInDays * 86_400) } : {}),
    date,
    format: 'object',
    config: OPENPGP_CONFIG,
  });
  const unprotected = generated.privateKey;
  await advertiseCiphers(unprotected, date);
  const privateKey = options.passphrase
    ? await openpgp.encryptKey({ privateKey: unprotected, passphrase: options.passphrase, config: OPENPGP_CONFIG })
    : unprotected;
  const publicKey = unprotected.toPublic();
  const info = await describeKey(publicKey);
  return {
    publicKeyArmored: publicKey.armor(),
    privateKeyArmored: privateKey.armor(),
    fingerprint: info.fingerprint,
    algorithm: algorithmName(publicKey.getAlgorithmInfo()),
    expiresAt: info.expiresAt,
  };
}

export interface EnsureKeyPairOptions extends Omit<GenerateKeyPairOptions, 'passphrase'> {
  privateName: string;
  publicName: string;
  /** Secret holding the passphrase; created with a random value when missing. Absent: key unprotected. */
  passphraseName?: string;
}

export interface EnsuredKeyPair {
  created: boolean;
  fingerprint: string;
  publicKeyArmored: string;
}

function requireWritable(store: SecretStore, name: string): NonNullable<SecretStore['put']> {
  if (!store.put) {
    throw new PgpError(
      'pgp_key_missing',
      { bank: '-', file: '-' },
      `cannot store "${name}": the ${store.provider} secret store is read-only`,
    );
  }
  return store.put.bind(store);
}

async function getOptional(store: SecretStore, name: string): Promise<string | undefined> {
  try {
    return (await store.get(name)).value;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'secret_missing') return undefined;
    throw error;
  }
}

/** The passphrase secret's value; generated (32 random bytes, base64url) and stored when missing. */
export async function ensurePassphrase(store: SecretStore, name: string): Promise<string> {
  const existing = await getOptional(store, name);
  if (existing) return existing;
  const put = requireWritable(store, name);
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const value = Buffer.from(bytes).toString('base64url');
  await put(name, value);
  return value;
}

async function publicOf(privateArmored: string): Promise<{ armored: string; fingerprint: string }> {
  const key = await openpgp.readKey({ armoredKey: privateArmored });
  return { armored: key.toPublic().armor(), fingerprint: key.getFingerprint().toUpperCase() };
}

/** Generates and stores our pair when the private secret is missing; otherwise reports the existing key. */
export async function ensureKeyPair(store: SecretStore, options: EnsureKeyPairOptions): Promise<EnsuredKeyPair> {
  const existing = await getOptional(store, options.privateName);
  if (existing) {
    const first = splitArmoredKeys(existing)[0];
    if (!first)
      throw new PgpError('pgp_key_invalid', { bank: '-', file: '-' }, `secret "${options.privateName}" holds no key`);
    const pub = await publicOf(first);
    if ((await getOptional(store, options.publicName)) === undefined) {
      const keys = await Promise.all(splitArmoredKeys(existing).map(publicOf));
      await requireWritable(store, options.publicName)(options.publicName, keys.map((k) => k.armored).join('\n'));
    }
    return { created: false, fingerprint: pub.fingerprint, publicKeyArmored: pub.armored };
  }
  return rotateKeyPair(store, options);
}

/**
 * Generates a new pair and makes it current: the new key is put first in both secrets, previous keys are kept
 * after it (still used to decrypt and to verify our archived files, no longer to sign).
 */
export async function rotateKeyPair(store: SecretStore, options: EnsureKeyPairOptions): Promise<EnsuredKeyPair> {
  const putPrivate = requireWritable(store, options.privateName);
  const passphrase = options.passphraseName ? await ensurePassphrase(store, options.passphraseName) : undefined;
  const pair = await generateKeyPair({ ...options, ...(passphrase ? { passphrase } : {}) });
  const previousPrivate = splitArmoredKeys((await getOptional(store, options.privateName)) ?? '');
  const previousPublic = splitArmoredKeys((await getOptional(store, options.publicName)) ?? '');
  await putPrivate(options.privateName, [pair.privateKeyArmored, ...previousPrivate].join('\n'));
  await store.put!(options.publicName, [pair.publicKeyArmored, ...previousPublic].join('\n'));
  return { created: true, fingerprint: pair.fingerprint, publicKeyArmored: pair.publicKeyArmored };
}
