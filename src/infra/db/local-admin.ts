/**
 * The operator token a service on the embedded database mints for its own CLI at start. Named `local-cli`;
 * the previous one (left active by a crash) is revoked first, so at most one is ever active.
 */
import type { Kysely } from 'kysely';
import { createApiToken } from './repositories/api-tokens.ts';
import type { Database } from './schema.ts';

export const LOCAL_ADMIN_TOKEN_NAME = 'local-cli';

export async function mintLocalAdminToken(db: Kysely<Database>, at: Date) {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('name', '=', LOCAL_ADMIN_TOKEN_NAME)
    .where('revoked_at', 'is', null)
    .execute();
  return createApiToken(db, { name: LOCAL_ADMIN_TOKEN_NAME, role: 'operator' });
}
