/**
 * Secrets from environment variables (12-factor deployments, CI). Mapping of a secret name to a variable:
 * `BANKING_SECRET_` + the name upper-cased with every character outside [A-Z0-9] replaced by `_`:
 *
 *   ctbc-pgp-private        -> BANKING_SECRET_CTBC_PGP_PRIVATE
 *   sandbox-mega-sftp.pass  -> BANKING_SECRET_SANDBOX_MEGA_SFTP_PASS
 *
 * Versions: the current value's version is `BANKING_SECRET_<NAME>__VERSION` when set, else `env`. An older
 * version `n` is read from `BANKING_SECRET_<NAME>__V<n>` (so a rotation overlap can be expressed without a
 * second secret name). The store is read-only: environment variables are the deployment's business.
 * Two names differing only in case or punctuation map to the same variable; keep names distinct in letters.
 *
 * @example
 *   const store = createEnvSecretStore({ env: { BANKING_SECRET_CTBC_PGP_PUBLIC: armored } });
 */

import { withLogMasking } from './log-masking.ts';
import { assertSecretName, type SecretStore, type SecretValue, secretError } from './types.ts';

export function envVarName(name: string): string {
  return `BANKING_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface EnvSecretStoreOptions {
  /** Defaults to `process.env`; read at every `get`, so a changed variable is seen after the cache TTL. */
  env?: Record<string, string | undefined>;
}

export function createEnvSecretStore(options: EnvSecretStoreOptions = {}): SecretStore {
  const env = options.env ?? process.env;
  return withLogMasking({
    provider: 'env',
    async get(name: string, version?: string): Promise<SecretValue> {
      assertSecretName(name, 'env');
      const base = envVarName(name);
      const currentVersion = env[`${base}__VERSION`] ?? 'env';
      const wantsCurrent = version === undefined || version === 'latest' || version === currentVersion;
      const variable = wantsCurrent ? base : `${base}__V${version.replace(/[^A-Za-z0-9]/g, '_')}`;
      const value = env[variable];
      if (value === undefined) {
        throw secretError('secret_missing', `secret "${name}" not found: environment variable ${variable} is not set`, {
          name,
          provider: 'env',
          ...(version ? { version } : {}),
        });
      }
      return { name, version: wantsCurrent ? currentVersion : (version as string), value };
    },
  });
}
