/**
 * PGP failures. Every one is an OperationalError with retryClass `critical`: a file that fails to decrypt or
 * verify is quarantined by the workflow and never retried automatically (the same bytes give the same answer),
 * and a missing, expired or revoked key needs an operator. Each message names the bank, the file and the key
 * fingerprint (or key id) involved, never key material or a passphrase. One code per reason (docs/pgp.md):
 * `pgp_corrupted` only for damaged or truncated data, never for a policy refusal.
 *
 * @example
 *   if (error instanceof PgpError && error.code === 'pgp_unknown_signer') quarantine(file, error.message);
 */
import { OperationalError } from '../../domain/failure.ts';

export const PGP_ERROR_CODES = [
  'pgp_bad_signature',
  'pgp_not_signed',
  'pgp_weak_hash',
  'pgp_signature_in_future',
  'pgp_unknown_signer',
  'pgp_not_encrypted_to_us',
  'pgp_corrupted',
  'pgp_key_expired',
  'pgp_key_revoked',
  'pgp_key_missing',
  'pgp_key_invalid',
  'pgp_passphrase_wrong',
  'pgp_feature_not_allowed',
  'pgp_engine_failed',
] as const;

export type PgpErrorCode = (typeof PGP_ERROR_CODES)[number];

const LABELS: Record<PgpErrorCode, string> = {
  pgp_bad_signature: 'bad signature',
  pgp_not_signed: 'not signed',
  pgp_weak_hash: 'signature hash too weak',
  pgp_signature_in_future: 'signature made in the future',
  pgp_unknown_signer: 'unknown signer',
  pgp_not_encrypted_to_us: 'not encrypted to us',
  pgp_corrupted: 'corrupted message',
  pgp_key_expired: 'key expired',
  pgp_key_revoked: 'key revoked',
  pgp_key_missing: 'key missing',
  pgp_key_invalid: 'key unreadable',
  pgp_passphrase_wrong: 'private key passphrase rejected',
  pgp_feature_not_allowed: 'feature not allowed',
  pgp_engine_failed: 'PGP engine failed',
};

export interface PgpErrorContext {
  bank: string;
  file: string;
  /** The key concerned: a fingerprint, a key id, or a list of them. */
  fingerprint?: string | undefined;
}

export class PgpError extends OperationalError {
  override name = 'PgpError';
  declare readonly code: PgpErrorCode;
  readonly bank: string;
  readonly file: string;
  readonly fingerprint: string | undefined;

  constructor(code: PgpErrorCode, context: PgpErrorContext, detail: string, extra: Record<string, unknown> = {}) {
    const key = context.fingerprint ? `key ${context.fingerprint}` : 'key n/a';
    super(code, 'critical', `PGP ${LABELS[code]}: bank ${context.bank}, file ${context.file}, ${key}: ${detail}`, {
      bank: context.bank,
      file: context.file,
      fingerprint: context.fingerprint ?? null,
      ...extra,
    });
    this.bank = context.bank;
    this.file = context.file;
    this.fingerprint = context.fingerprint;
  }
}

export function isPgpError(error: unknown, code?: PgpErrorCode): error is PgpError {
  return error instanceof PgpError && (code === undefined || error.code === code);
}
