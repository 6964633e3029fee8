/**
 * A PostgreSQL cluster of the test's own, for faults that take the server down: the shared server on :5432
 * serves every other test and must never be restarted. initdb in a temp dir on a free 127.0.0.1 port; the
 * server refuses to run as root, so every binary runs as the `postgres` system user (runuser) when the test is
 * root (CI), directly otherwise. Stop it in afterAll.
 *
 * @example
 *   const pg = await startPrivatePostgres();
 *   ... connectDatabase({ url: pg.url }) ...
 *   await pg.restart('immediate');   // a crash: no checkpoint, WAL replay on start
 *   await pg.stop();
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-config.ts';

const run = promisify(execFile);

const BIN_DIRS = [
  '/usr/lib/postgresql/17/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
  '/usr/local/bin',
];

/** Where initdb, pg_ctl and postgres are (one directory holding all three), or null. */
export function postgresBinDir(): string | null {
  return BIN_DIRS.find((d) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(d, b)))) ?? null;
}

export interface PrivatePostgres {
  port: number;
  /** URL of the `banking` database (trust auth, user postgres). */
  url: string;
  /** `immediate` kills the server without a checkpoint (crash recovery on start); `fast` is a clean stop. */
  restart(mode: 'immediate' | 'fast'): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`no initdb/pg_ctl/postgres in ${BIN_DIRS.join(', ')}`);
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'private-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const data = join(dir, 'data');
  const port = await freePort();
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // loopback only, socket in our own dir; the OS survives these crashes, so fsync buys nothing here
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off`;
  const pgCtl = (args: string[]) =>
    pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '60', ...args]);
  await pgCtl(['start']);
  await pgRun('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'create database banking']).catch(
    async () => {
      // psql may live elsewhere than the server binaries
      await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'create database banking']);
    },
  );
  let stopped = false;
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/banking`,
    async restart(mode) {
      await pgCtl(['restart', '-m', mode]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(['stop', '-m', 'immediate']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
