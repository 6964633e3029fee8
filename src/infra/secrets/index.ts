/**
 * The secret store the service uses, built from the `secrets` section of the config:
 * provider (env | file | gcp) -> TTL cache (`cache_ttl_seconds`) -> audit of every access.
 *
 * @example
 *   const secrets = createSecretStore(config.secrets, { audit: (e) => writeAuditLog(db, e) });
 *   const { value } = await secrets.get(bank.auth.password_secret);
 */
import type { Config } from '../config/schema.ts';
import { withAudit } from './audited-store.ts';
import { withCache } from './caching-store.ts';
import { createEnvSecretStore } from './env-store.ts';
import { createFileSecretStore } from './file-store.ts';
import { createGcpSecretStore, type GcpSecretClient } from './gcp-store.ts';
import { type SecretAudit, type SecretStore, secretError } from './types.ts';

export { withAudit } from './audited-store.ts';
export { type CachingSecretStore, withCache } from './caching-store.ts';
export { createEnvSecretStore, envVarName } from './env-store.ts';
export { createFileSecretStore } from './file-store.ts';
export { createGcpSecretStore, type GcpSecretClient, gcpSecretId } from './gcp-store.ts';
export * from './types.ts';

export interface SecretStoreDeps {
  audit: SecretAudit;
  /** The clock for the cache TTL and the audit timestamps. */
  now?: () => Date;
  /** env provider: the environment to read (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** gcp provider: an injected client (tests); defaults to the real SecretManagerServiceClient. */
  gcpClient?: GcpSecretClient;
}

export function createSecretStore(config: Config['secrets'], deps: SecretStoreDeps): SecretStore {
  const now = deps.now ?? (() => new Date());
  let base: SecretStore;
  switch (config.provider) {
    case 'env':
      base = createEnvSecretStore(deps.env ? { env: deps.env } : {});
      break;
    case 'file':
      base = createFileSecretStore({ dir: config.dir });
      break;
    case 'gcp':
      if (!config.gcp_project) {
        throw secretError('secret_unavailable', 'secrets.provider is gcp but secrets.gcp_project is not set', {
          name: '-',
          provider: 'gcp',
        });
      }
      base = createGcpSecretStore({
        project: config.gcp_project,
        ...(deps.gcpClient ? { client: deps.gcpClient } : {}),
      });
      break;
  }
  const cached = withCache(base, { ttlSeconds: config.cache_ttl_seconds, now: () => now().getTime() });
  return withAudit(cached, deps.audit, now);
}
