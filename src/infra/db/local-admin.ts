/**
 * The operator token a service on the embedded database mints for its own CLI at start. Named `local-cli`;
 * the previous one (left active by a crash) is revoked first, so at most one is ever active.
 */
import type { Kysely } from 'kysely';
import { createApiToken, revokeApiTokensNamed } from './repositories/api-tokens.ts';
import type { Database } from './schema.ts';

export const LOCAL_ADMIN_TOKEN_NAME = 'local-cli';

export async function mintLocalAdminToken(db: Kysely<Database>, at: Date) {
  await revokeApiTokensNamed(db, LOCAL_ADMIN_TOKEN_NAME, at);
  return createApiToken(db, { name: LOCAL_ADMIN_TOKEN_NAME, role: 'operator' });
}
