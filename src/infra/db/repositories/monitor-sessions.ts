/**
 * Operations-page sessions. The cookie holds a random id; the table holds its SHA-256, the token it was opened
 * with, a CSRF token for the page's forms, and when it expires. Signing out revokes the row, so a copied cookie
 * stops working at once; revoking the API token ends every session opened with it.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { type ApiTokenInfo, hashToken } from './api-tokens.ts';

export interface OpenedSession {
  /** Goes into the cookie; never stored. */
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ActiveSession extends ApiTokenInfo {
  csrfToken: string;
  expiresAt: Date;
}

export async function openSession(
  db: Kysely<Database>,
  input: { tokenId: number; now: Date; ttlMs: number },
): Promise<OpenedSession> {
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  await db
    .insertInto('monitor_sessions')
    .values({
      id_sha256: hashToken(sessionId),
      token_id: input.tokenId,
      csrf_token: csrfToken,
      created_at: input.now,
      expires_at: expiresAt,
    })
    .execute();
  return { sessionId, csrfToken, expiresAt };
}

/** The session and its token's identity, or undefined when unknown, expired, revoked, or its token revoked. */
export async function findActiveSession(
  db: Kysely<Database>,
  sessionId: string,
  now: Date,
): Promise<ActiveSession | undefined> {
  const row = await db
    .selectFrom('monitor_sessions as s')
    .innerJoin('api_tokens as t', 't.id', 's.token_id')
    .select(['t.id', 't.name', 't.role', 's.csrf_token', 's.expires_at'])
    .where('s.id_sha256', '=', hashToken(sessionId))
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst();
  return row
    ? { id: row.id, name: row.name, role: row.role, csrfToken: row.csrf_token, expiresAt: row.expires_at }
    : undefined;
}

export async function revokeSession(db: Kysely<Database>, sessionId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('monitor_sessions')
    .set({ revoked_at: now })
    .where('id_sha256', '=', hashToken(sessionId))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Drops rows that can never be used again (expired or revoked before `before`). */
export async function pruneSessions(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('monitor_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
