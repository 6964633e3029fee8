/**
 * A TTL cache in front of any store: a rotated secret is picked up at most `ttlSeconds` after it changed,
 * without a restart, while a busy morning run does not read Secret Manager for every file. Concurrent reads of
 * the same name share one request. `ttlSeconds: 0` disables caching. `put` through the cache invalidates it;
 * `getFresh` reads past the cache and refreshes it (a credential the bank refused may have been rotated).
 *
 * @example
 *   const store = withCache(createFileSecretStore({ dir }), { ttlSeconds: 300, now: () => clock.now() });
 */
import type { SecretStore, SecretValue } from './types.ts';

export interface CacheOptions {
  ttlSeconds: number;
  /** Milliseconds since the epoch; injectable so tests move time without sleeping. */
  now?: () => number;
}

export interface CachingSecretStore extends SecretStore {
  /** Forget one name (all versions) or everything. */
  invalidate(name?: string): void;
}

/** Results served from the cache (the audit wrapper records those as `cached`). */
export const servedFromCache = new WeakSet<SecretValue>();

export function withCache(inner: SecretStore, options: CacheOptions): CachingSecretStore {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  const entries = new Map<string, { value: SecretValue; expiresAt: number }>();
  const inFlight = new Map<string, Promise<SecretValue>>();
  const keyOf = (name: string, version?: string) => `${name}\u0000${version ?? ''}`;

  const store: CachingSecretStore = {
    provider: inner.provider,
    async get(name: string, version?: string): Promise<SecretValue> {
      if (ttlMs <= 0) return inner.get(name, version);
      const key = keyOf(name, version);
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now()) {
        const copy = { ...hit.value };
        servedFromCache.add(copy);
        return copy;
      }
      const pending = inFlight.get(key);
      if (pending) return pending.then((v) => ({ ...v }));
      const request = inner.get(name, version).then(
        (value) => {
          entries.set(key, { value, expiresAt: now() + ttlMs });
          return value;
        },
        (error: unknown) => {
          entries.delete(key);
          throw error;
        },
      );
      inFlight.set(key, request);
      try {
        return { ...(await request) };
      } finally {
        inFlight.delete(key);
      }
    },
    async getFresh(name: string): Promise<SecretValue> {
      const value = await inner.get(name);
      if (ttlMs > 0) entries.set(keyOf(name), { value, expiresAt: now() + ttlMs });
      return { ...value };
    },
    invalidate(name?: string): void {
      if (name === undefined) {
        entries.clear();
        return;
      }
      for (const key of entries.keys()) if (key.startsWith(`${name}\u0000`)) entries.delete(key);
    },
  };
  if (inner.put) {
    const put = inner.put.bind(inner);
    store.put = async (name: string, value: string) => {
      try {
        return await put(name, value);
      } finally {
        store.invalidate(name);
      }
    };
  }
  return store;
}
