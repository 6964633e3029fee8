/**
 * PGP for bank files: one interface, two engines (openpgp.js, GnuPG), chosen per bank by `pgp.engine`.
 *
 * @example
 *   const pgp = createBankCrypto({ secrets, logger });
 *   const wire = await pgp.protect(bank, fileName, plaintext);
 *   const plain = await pgp.open(bank, fileName, downloaded);
 */
export {
  type BankCryptoOptions,
  bankPublicKeySecrets,
  createBankCrypto,
  type KeyStatus,
  ourPrivateKeySecret,
  ourPublicKeySecret,
  type PgpBankCrypto,
} from './bank-crypto.ts';
export { OPENPGP_CONFIG } from './config.ts';
export type { DecryptJob, EncryptJob, EngineName, PgpEngine, RawDecryption, RawSignature } from './engine.ts';
export { isPgpError, PGP_ERROR_CODES, PgpError, type PgpErrorCode, type PgpErrorContext } from './errors.ts';
export {
  type EnsuredKeyPair,
  type EnsureKeyPairOptions,
  ensureKeyPair,
  ensurePassphrase,
  type GeneratedKeyPair,
  type GenerateKeyPairOptions,
  generateKeyPair,
  type KeyType,
  rotateKeyPair,
} from './generate.ts';
export { createGpgEngine, type GpgEngineOptions } from './gpg-engine.ts';
export {
  assertUsable,
  describeKey,
  findKey,
  type KeyEntry,
  type KeyInfo,
  type KeyPurpose,
  keyExpiryDays,
  type PrivateKeyEntry,
  readKeyring,
  readPrivateKeyring,
  splitArmoredKeys,
} from './keyring.ts';
export { looksArmored } from './message.ts';
export { createOpenpgpEngine } from './openpgp-engine.ts';
export {
  DEFAULT_LIMITS,
  type DecryptLimits,
  type DecryptPolicy,
  decryptWith,
  type OpenedStream,
  type VerifiedMessage,
} from './pipeline.ts';
export { cipherVerdict, DEFAULT_CLOCK_SKEW_SECONDS, hashVerdict } from './policy.ts';
export { type ByteSource, collect, toAsyncIterable } from './streams.ts';
