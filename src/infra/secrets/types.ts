/**
 * The secret store port. A secret is named (the `*_secret` fields of the config) and versioned; `get` returns
 * the value together with the version actually read, so audit entries and key-rotation logic can say which one
 * was used. Values are text (passwords, armored PGP keys, SSH keys).
 *
 * @example
 *   const { value, version } = await store.get('ctbc-pgp-private');
 */
import { OperationalError, type RetryClass } from '../../domain/failure.ts';

export type SecretProvider = 'env' | 'file' | 'gcp';

export interface SecretValue {
  name: string;
  /** Provider-specific version id: `'1'`, `'2'`… for file and gcp, `'env'` (or `__VERSION`) for env. */
  version: string;
  value: string;
}

export interface SecretStore {
  readonly provider: SecretProvider;
  /** The current value, or the given version. Throws `secret_missing` (critical) when absent. */
  get(name: string, version?: string): Promise<SecretValue>;
  /**
   * Cached stores only: the current value read from the provider itself, bypassing (and refreshing) the cache;
   * for a caller that has reason to think the cached value is stale (a password refused by the bank). Callers
   * fall back to `get` where a store has none (it does not cache).
   */
  getFresh?(name: string): Promise<SecretValue>;
  /** Writable stores only (file, gcp): stores `value` as the new current version and returns its version. */
  put?(name: string, value: string): Promise<SecretValue>;
}

export type SecretAccessResult = 'ok' | 'cached' | 'written' | 'not_found' | 'denied' | 'error';

/** One audit-log line per access: never the value. `version` is null when nothing was read. */
export interface SecretAuditEntry {
  name: string;
  version: string | null;
  provider: SecretProvider;
  at: Date;
  result: SecretAccessResult;
}

export type SecretAudit = (entry: SecretAuditEntry) => void | Promise<void>;

export const SECRET_ERROR_CLASSES = {
  secret_missing: 'critical',
  secret_invalid_name: 'critical',
  secret_denied: 'critical',
  secret_read_only: 'critical',
  secret_unavailable: 'backoff',
} as const satisfies Record<string, RetryClass>;

export type SecretErrorCode = keyof typeof SECRET_ERROR_CLASSES;

/** Messages name the secret and the provider, never a value. */
export function secretError(
  code: SecretErrorCode,
  message: string,
  details: { name: string; provider: SecretProvider; version?: string },
  cause?: unknown,
): OperationalError {
  return new OperationalError(code, SECRET_ERROR_CLASSES[code], message, details, cause ? { cause } : undefined);
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Same rule as the config's `secretName`; also refuses names that would escape or collide in the file layout. */
export function assertSecretName(name: string, provider: SecretProvider): void {
  if (!NAME.test(name) || name === '.' || name === '..' || name.endsWith('.versions') || name.startsWith('.')) {
    throw secretError('secret_invalid_name', `invalid secret name "${name.slice(0, 140)}" (${provider} store)`, {
      name: name.slice(0, 140),
      provider,
    });
  }
}
