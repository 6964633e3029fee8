/**
 * Cross-instance mutual exclusion through PostgreSQL advisory locks. On PostgreSQL a session-level lock is taken
 * on a connection pinned for the duration; on PGlite (one process owns the database) an in-process set does the
 * same job, because no other process can open that data directory.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from './connect.ts';

const heldInProcess = new Map<object, Set<string>>();

/** Two 32-bit halves of a stable hash of the key, the form pg_try_advisory_lock(int, int) takes. */
export function advisoryLockKeys(key: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 + c, 2246822519);
  }
  return [h1 | 0, h2 | 0];
}

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/** Runs `fn` while holding the named lock; if another holder has it, returns `{ acquired: false }` at once. */
export async function withTryLock<T>(
  handle: DatabaseHandle,
  key: string,
  fn: () => Promise<T>,
): Promise<LockOutcome<T>> {
  if (handle.kind === 'pglite') {
    const held = heldInProcess.get(handle.db) ?? new Set<string>();
    heldInProcess.set(handle.db, held);
    if (held.has(key)) return { acquired: false };
    held.add(key);
    try {
      return { acquired: true, value: await fn() };
    } finally {
      held.delete(key);
    }
  }
  const [k1, k2] = advisoryLockKeys(key);
  return handle.db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${k1}, ${k2}) as ok`.execute(conn);
    if (!got.rows[0]?.ok) return { acquired: false } as const;
    try {
      return { acquired: true, value: await fn() } as const;
    } finally {
      await sql`select pg_advisory_unlock(${k1}, ${k2})`.execute(conn);
    }
  });
}

/** Transaction-scoped lock for code already inside a transaction; released at commit or rollback. */
export async function lockForTransaction(trx: DatabaseHandle['db'], key: string): Promise<void> {
  const [k1, k2] = advisoryLockKeys(key);
  await sql`select pg_advisory_xact_lock(${k1}, ${k2})`.execute(trx);
}
