/**
 * Monitor API tokens. Only the SHA-256 of a token is stored; the token itself is shown once, when created.
 *
 * @example const { token } = await createApiToken(db, { name: 'grafana', role: 'viewer' });
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export type ApiRole = 'viewer' | 'operator';

export interface ApiTokenInfo {
  id: number;
  name: string;
  role: ApiRole;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** 256 random bits; the prefix lets secret scanners recognise a leaked token. */
export function generateToken(): string {
  return `bsm_${randomBytes(32).toString('base64url')}`;
}

export async function createApiToken(
  db: Kysely<Database>,
  input: { name: string; role: ApiRole },
): Promise<ApiTokenInfo & { token: string }> {
  const token = generateToken();
  const row = await db
    .insertInto('api_tokens')
    .values({ name: input.name, role: input.role, token_sha256: hashToken(token) })
    .returning(['id', 'name', 'role'])
    .executeTakeFirstOrThrow();
  return { ...row, token };
}

export async function findActiveToken(db: Kysely<Database>, token: string): Promise<ApiTokenInfo | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role'])
    .where('token_sha256', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function listApiTokens(db: Kysely<Database>) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('id')
    .execute();
}

/** False when there is no such token or it was already revoked. */
export async function revokeApiToken(db: Kysely<Database>, id: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function touchApiToken(db: Kysely<Database>, id: number, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

/** Revokes every active token of that name; the count revoked. */
export async function revokeApiTokensNamed(db: Kysely<Database>, name: string, at: Date): Promise<number> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
