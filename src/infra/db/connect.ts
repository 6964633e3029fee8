/**
 * Opens the database: PostgreSQL through `pg` when a URL is given, otherwise embedded PGlite in a data
 * directory (created on first use). Both return the same JavaScript types (see schema.ts) and run in the
 * Asia/Taipei time zone, so `now()::date` is the Taipei business day on either.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { acquireDirectoryLock, type DirectoryLock } from './pglite-lock.ts';
import type { Database } from './schema.ts';

export type DatabaseKind = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Human-readable target with no password, for logs and /healthz. */
  target: string;
  /** The PGlite directory lock this process holds (pglite-lock.ts); null for PostgreSQL and memory://. */
  lock: DirectoryLock | null;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres://… ; absent = PGlite. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  pgliteDir?: string;
  poolMax?: number;
  /** Who holds a PGlite directory (shown to a second opener): `serve`, or the CLI command. Default `cli`. */
  owner?: string;
}

const INT8 = 20;
const DATE = 1082;

function int8ToNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} exceeds the safe integer range`);
  return value;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const types = {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        if (oid === INT8) return int8ToNumber;
        if (oid === DATE) return (text: string) => text;
        // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
        return pg.types.getTypeParser(oid, format as any);
      },
    };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      types,
      options: '-c timezone=Asia/Taipei',
      connectionTimeoutMillis: 10_000,
    });
    // An idle client that loses its server must not crash the process; the next checkout reconnects.
    pool.on('error', () => {});
    // Nor may a checked-out one (the pool drops its own listener on checkout): a server restart would otherwise
    // be an uncaught 'error' event from the leader's pinned session or a query in flight. The query in flight
    // still fails with the error, and a client that errored is discarded when released.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', target: redactUrl(options.url), lock: null, close: () => db.destroy() };
  }
  const dir = options.pgliteDir ?? './data/pglite';
  let lock: DirectoryLock | null = null;
  if (!dir.startsWith('memory://')) {
    mkdirSync(dirname(resolve(dir)), { recursive: true });
    // before the directory is created or opened: a held directory is refused untouched
    lock = acquireDirectoryLock(dir, options.owner ?? 'cli');
    mkdirSync(dir, { recursive: true });
  }
  try {
    const client = await PGlite.create(dir, {
      parsers: { [INT8]: int8ToNumber, [DATE]: (text: string) => text },
    });
    await client.exec(`set timezone = 'Asia/Taipei'`);
    const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    const held = lock;
    return {
      db,
      kind: 'pglite',
      target: `pglite:${dir}`,
      lock: held,
      close: async () => {
        try {
          await db.destroy();
        } finally {
          held?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
