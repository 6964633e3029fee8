/**
 * Clock leadership: the instance that dispatches scheduled ticks. On PostgreSQL it is the holder of a
 * session-level advisory lock on a connection pinned for as long as it leads (a lost connection releases the lock
 * and the leadership with it; another instance takes over at its next check). On PGlite the database belongs to
 * one process, so that process leads; no connection is pinned (the PGlite dialect has only one).
 * Leadership only decides who tries; the dispatch log (tick-dispatch.ts) is what makes a tick run at most once.
 *
 * @example
 *   const leadership = createLeadership(db, kind);
 *   if (await leadership.isLeader()) { ... }
 *   await leadership.release();
 */
import { type Kysely, sql } from 'kysely';
import { advisoryLockKeys } from '../locks.ts';
import type { Database } from '../schema.ts';

export interface Leadership {
  /** Checks (and, when free, takes) the leadership. Never throws: a database error means "not leader". */
  isLeader(): Promise<boolean>;
  /** The result of the last check, without asking the database. */
  holds(): boolean;
  release(): Promise<void>;
}

export const CLOCK_LEADER_KEY = 'banking-sftp:clock';

interface Pinned {
  conn: Kysely<Database>;
  unpin(): Promise<void>;
}

/** Holds one pool connection until `unpin`: the advisory lock lives and dies with that session. */
function pinConnection(db: Kysely<Database>): Promise<Pinned> {
  return new Promise<Pinned>((resolve, reject) => {
    let unpinned!: () => void;
    const done = new Promise<void>((r) => {
      unpinned = r;
    });
    let pinned = false;
    const finished = db
      .connection()
      .execute(async (conn) => {
        pinned = true;
        resolve({
          conn,
          unpin: async () => {
            unpinned();
            await finished;
          },
        });
        await done;
      })
      .catch((error: unknown) => {
        if (!pinned) reject(error);
      });
  });
}

export function createLeadership(
  db: Kysely<Database>,
  kind: 'postgres' | 'pglite',
  key: string = CLOCK_LEADER_KEY,
): Leadership {
  if (kind === 'pglite') {
    return { isLeader: async () => true, holds: () => true, release: async () => {} };
  }
  const [k1, k2] = advisoryLockKeys(key);
  let pinned: Pinned | null = null;
  let held = false;
  let queue: Promise<unknown> = Promise.resolve();
  // One check at a time: the pinned session is not shared between concurrent callers.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };

  async function drop(): Promise<void> {
    held = false;
    const p = pinned;
    pinned = null;
    await p?.unpin().catch(() => {});
  }

  return {
    holds: () => held,
    isLeader: () =>
      serial(async () => {
        try {
          if (!pinned) pinned = await pinConnection(db);
          if (held) {
            // Still our session? If the connection broke, the lock went with it.
            await sql`select 1`.execute(pinned.conn);
            return true;
          }
          const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${k1}, ${k2}) as ok`.execute(pinned.conn);
          held = got.rows[0]?.ok === true;
          return held;
        } catch {
          await drop();
          return false;
        }
      }),
    release: () =>
      serial(async () => {
        if (pinned && held) await sql`select pg_advisory_unlock(${k1}, ${k2})`.execute(pinned.conn).catch(() => {});
        await drop();
      }),
  };
}
