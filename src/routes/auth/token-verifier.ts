/**
 * Checks bearer tokens against `api_tokens` (by SHA-256), caching good ones for `cacheMs` so a busy /health
 * does not query the database per request. A revoked token therefore stops working within `cacheMs` on every
 * instance (default 5 s). `last_used_at` is written at most once a minute per token. Requests that arrive
 * while a token is being looked up share that one lookup: when the cache entry expires under load, fifty
 * requests in flight would otherwise send fifty identical queries at the same moment.
 */
import type { Kysely } from 'kysely';
import {
  type ApiTokenInfo,
  findActiveToken,
  hashToken,
  touchApiToken,
} from '../../infra/db/repositories/api-tokens.ts';
import type { Database } from '../../infra/db/schema.ts';

export interface Principal extends ApiTokenInfo {
  /** Audit identity: `<name>#<id>`. */
  actor: string;
}

const TOUCH_EVERY_MS = 60_000;

export class TokenVerifier {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly touched = new Map<number, number>();
  private readonly lookups = new Map<string, Promise<Principal | undefined>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly cacheMs = 5_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async verify(token: string): Promise<Principal | undefined> {
    if (token.length < 16 || token.length > 256) return undefined;
    const key = hashToken(token);
    const nowMs = this.now().getTime();
    const cached = this.cache.get(key);
    if (cached && cached.until > nowMs) return cached.principal;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookUp(token, key, nowMs).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookUp(token: string, key: string, nowMs: number): Promise<Principal | undefined> {
    const info = await findActiveToken(this.db, token);
    if (!info) {
      this.cache.delete(key);
      return undefined;
    }
    const principal: Principal = { ...info, actor: `${info.name}#${info.id}` };
    if (this.cacheMs > 0) {
      if (this.cache.size > 1_000) this.cache.clear();
      this.cache.set(key, { principal, until: nowMs + this.cacheMs });
    }
    if ((this.touched.get(info.id) ?? 0) + TOUCH_EVERY_MS <= nowMs) {
      this.touched.set(info.id, nowMs);
      touchApiToken(this.db, info.id, new Date(nowMs)).catch(this.onError);
    }
    return principal;
  }
}
