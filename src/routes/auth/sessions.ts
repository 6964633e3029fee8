/**
 * Operations-page sessions on top of the `monitor_sessions` table: the cookie holds a random id, the database
 * its SHA-256, the session's CSRF token and expiry. Sign-out revokes the row; revoking the token that opened a
 * session ends it too. See docs/api.md ("The operations page").
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import type { ApiTokenInfo } from '../../infra/db/repositories/api-tokens.ts';
import {
  type ActiveSession,
  findActiveSession,
  type OpenedSession,
  openSession,
  pruneSessions,
  revokeSession,
} from '../../infra/db/repositories/monitor-sessions.ts';
import type { Database } from '../../infra/db/schema.ts';
import type { Principal } from './token-verifier.ts';

export const SESSION_COOKIE = 'bsm_session';

export interface PageSession extends ActiveSession {
  principal: Principal;
}

/** Constant-time comparison of two form tokens. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    readonly ttlMs: number,
  ) {}

  async open(token: ApiTokenInfo): Promise<OpenedSession> {
    const now = this.now();
    // Expired and revoked rows are useless; clear them out at most once an hour, on a sign-in.
    if (now.getTime() - this.lastPrune > 3600_000) {
      this.lastPrune = now.getTime();
      await pruneSessions(this.db, new Date(now.getTime() - 24 * 3600_000));
    }
    return openSession(this.db, { tokenId: token.id, now, ttlMs: this.ttlMs });
  }

  async current(c: Context): Promise<PageSession | undefined> {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id || id.length > 128) return undefined;
    const session = await findActiveSession(this.db, id, this.now());
    if (!session) return undefined;
    const principal: Principal = {
      id: session.id,
      name: session.name,
      role: session.role,
      actor: `${session.name}#${session.id}`,
    };
    return { ...session, principal };
  }

  async principalFromCookie(c: Context): Promise<Principal | undefined> {
    return (await this.current(c))?.principal;
  }

  async revoke(c: Context): Promise<boolean> {
    const id = getCookie(c, SESSION_COOKIE);
    return id ? revokeSession(this.db, id, this.now()) : false;
  }
}
