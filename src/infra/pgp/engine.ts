/**
 * The contract both engines implement (openpgp.js in process, GnuPG as a child process). Engines only do the
 * cryptography; everything that decides what is acceptable (key expiry, recipients, allowed features, signer
 * pinning, limits) lives in pipeline.ts and applies to both identically, so the same input gives the same
 * result, or the same error code, whichever engine the bank uses.
 */
import type { PgpErrorContext } from './errors.ts';
import type { KeyEntry, PrivateKeyEntry } from './keyring.ts';

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
  decryptionKeys: PrivateKeyEntry[];
  verificationKeys: KeyEntry[];
  /** False: a signed-only message (verified, not decrypted). */
  encrypted: boolean;
  armored: boolean;
  now: Date;
}

export interface RawSignature {
  /** Issuer key id (16 hex, upper-case). */
  keyId: string;
  /** Signing (sub)key fingerprint when the engine knows it. */
  fingerprint?: string;
  status: 'good' | 'bad' | 'no_key';
  detail?: string;
}

export interface RawDecryption {
  /** Plaintext; throws a PgpError (pgp_corrupted…) when the message turns out broken. */
  data: AsyncIterable<Uint8Array>;
  /** After `data` ended: the signatures found and how they verified. */
  finish(): Promise<{ signatures: RawSignature[] }>;
  /** After `data` ended: its SHA-256 (hex), where the engine computed it on the way; undefined otherwise. */
  plaintextSha256?(): string | undefined;
}

/** A file decrypted to a file by `decryptFile`: the output exists, nothing about it is accepted yet. */
export interface RawFileDecryption {
  bytesOut: number;
  finish(): Promise<{ signatures: RawSignature[] }>;
  plaintextSha256?: string;
}

export interface FileDecryptJob extends DecryptJob {
  input: string;
  /** The input's first bytes (at least what its session key packets take) and its size. */
  head: Uint8Array;
  size: number;
  /** Created by the engine; left for the caller to rename or remove, whatever happens. */
  output: string;
  maxOutputBytes: number;
}

export interface PgpEngine {
  readonly name: EngineName;
  encrypt(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array>;
  decrypt(input: AsyncIterable<Uint8Array>, job: DecryptJob): Promise<RawDecryption>;
  /**
   * Optional: an encrypted file straight to a file, faster than `decrypt` where the engine can. Undefined
   * (and no output created) when it cannot for this file: the caller then streams it through `decrypt`.
   */
  decryptFile?(job: FileDecryptJob): Promise<RawFileDecryption | undefined>;
}
