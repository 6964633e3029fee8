/**
 * The contract both engines implement (openpgp.js in process, GnuPG as a child process). Engines do the
 * cryptography: decrypt the session key and the data, check the MDC, verify each signature. Everything that
 * decides what is acceptable (ciphers, hashes, clock skew, one-pass pairing, signers, key expiry, limits) lives
 * in pipeline.ts and applies to both identically, so the same input gives the same bytes, or the same error
 * code, whichever engine the bank uses (docs/pgp.md).
 */
import type * as openpgp from 'openpgp';
import type { PgpErrorContext } from './errors.ts';
import type { KeyEntry, PrivateKeyEntry } from './keyring.ts';
import type { InnerSignature } from './message.ts';

export type EngineName = 'openpgp' | 'gpg';

export interface EncryptJob {
  ctx: PgpErrorContext;
  /** Empty: sign only. */
  recipients: KeyEntry[];
  /** Absent: encrypt only. */
  signer?: PrivateKeyEntry;
  armor: boolean;
  /** Name stored in the literal data packet. */
  filename: string;
  now: Date;
}

export interface DecryptJob {
  ctx: PgpErrorContext;
  /** The whole message as received (binary or armored). */
  bytes: Uint8Array;
  /** The same, as openpgp.js read it (outer packets only). */
  outer: openpgp.Message<Uint8Array>;
  decryptionKeys: PrivateKeyEntry[];
  verificationKeys: KeyEntry[];
  /** False: a signed-only message (verified, not decrypted). */
  encrypted: boolean;
  armored: boolean;
  now: Date;
  /** Signatures are checked as of this time (now + the allowed clock skew); the pipeline judges the skew. */
  verifyAt: Date;
  /** Plaintext ceiling, decompression included. */
  maxBytes: number;
  /** Called with the session key's cipher (openpgp.js name) before the data is decrypted; throws to refuse. */
  checkCipher(cipher: string): void;
}

export interface RawSignature {
  /** Issuer key id (16 hex, upper-case). */
  keyId: string;
  /** Signing (sub)key fingerprint when the engine knows it. */
  fingerprint?: string;
  status: 'good' | 'bad' | 'no_key';
  /** openpgp.js name (`sha256`) where the engine reports it. */
  hash?: string;
  created?: Date;
  detail?: string;
}

export interface RawDecryption {
  /** The decrypted packets (for a signed-only message: the message itself). */
  inner: openpgp.Message<Uint8Array>;
  /** Session key cipher (openpgp.js name); undefined when not encrypted. */
  cipher?: string;
  /** The engine's verdict on each signature. */
  signatures: RawSignature[];
  /** Every signature packet of the message, as openpgp.js read it (message.ts `listSignatures`). */
  packetSignatures: InnerSignature[];
}

export interface PgpEngine {
  readonly name: EngineName;
  encrypt(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array>;
  decrypt(job: DecryptJob): Promise<RawDecryption>;
}
