/**
 * PGlite is one process: a data directory opened by two processes at once loses or duplicates rows. Whoever
 * opens a PGlite directory first holds `<dir>.lock` (created exclusively, mode 0600) with its pid and, for the
 * service, the HTTP port and the local-admin token the CLI uses to go through the service (docs/operations-cli.md).
 * A lock whose pid is no longer alive (a crash, a kill -9) is stale and taken over; the lock is removed on exit.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DirectoryLockInfo {
  pid: number;
  /** `serve` for the service, else the CLI command holding the directory for a moment. */
  owner: string;
  started_at: string;
  /** Set by the service once it listens. */
  host?: string;
  port?: number;
  /** Operator token minted for the CLI at start, revoked at stop; only readable by the directory's owner. */
  admin_token?: string;
}

export class DirectoryLockedError extends Error {
  override readonly name = 'DirectoryLockedError';
  constructor(
    readonly dir: string,
    readonly holder: DirectoryLockInfo,
  ) {
    super(
      `the embedded database ${dir} is in use by ${holder.owner === 'serve' ? 'the running service' : `banking-sftp ${holder.owner}`} ` +
        `(pid ${holder.pid}${holder.port ? `, port ${holder.port}` : ''}, since ${holder.started_at}); ` +
        'PGlite allows one process: stop that process first, or give this one another database.pglite_dir',
    );
  }
}

export function lockPath(dir: string): string {
  return `${resolve(dir).replace(/\/+$/, '')}.lock`;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of `dir`, or null when nobody holds it (no lock file, or a stale one). */
export function readLiveLock(dir: string): DirectoryLockInfo | null {
  let text: string;
  try {
    text = readFileSync(lockPath(dir), 'utf8');
  } catch {
    return null;
  }
  try {
    const info = JSON.parse(text) as DirectoryLockInfo;
    return alive(info.pid) ? info : null;
  } catch {
    // a lock being written this very moment: treat as held by an unknown live process
    return { pid: 0, owner: 'unknown', started_at: 'unknown' };
  }
}

export interface DirectoryLock {
  readonly path: string;
  update(fields: Partial<DirectoryLockInfo>): void;
  release(): void;
}

export function acquireDirectoryLock(dir: string, owner: string): DirectoryLock {
  const path = lockPath(dir);
  let info: DirectoryLockInfo = { pid: process.pid, owner, started_at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = readLiveLock(dir);
      if (holder) throw new DirectoryLockedError(resolve(dir), holder);
      unlinkSync(path); // stale: its process is gone
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as DirectoryLockInfo;
      if (current.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return {
    path,
    update(fields) {
      info = { ...info, ...fields };
      writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
    },
    release,
  };
}
