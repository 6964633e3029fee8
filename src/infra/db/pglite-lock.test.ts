import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirectoryLock, DirectoryLockedError, lockPath, readLiveLock } from './pglite-lock.ts';

const scratch = mkdtempSync(join(tmpdir(), 'banking-lock-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the PGlite directory lock', () => {
  it('is held with mode 0600, refused to another live process, and removed on release', () => {
    const dir = join(scratch, 'held');
    // a live process other than this one holds it (the parent of this test worker stands in for the service)
    writeFileSync(lockPath(dir), JSON.stringify({ pid: process.ppid, owner: 'serve', started_at: 'x', port: 8123 }));
    expect(() => acquireDirectoryLock(dir, 'cli')).toThrow(DirectoryLockedError);
    expect(() => acquireDirectoryLock(dir, 'cli')).toThrow(`pid ${process.ppid}, port 8123`);
    expect(readLiveLock(dir)?.port).toBe(8123);

    rmSync(lockPath(dir));
    const lock = acquireDirectoryLock(dir, 'serve');
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    lock.update({ port: 9000 });
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, owner: 'serve', port: 9000 });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('takes over a lock whose process is gone (a crash)', () => {
    const dir = join(scratch, 'stale');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lockPath(dir), JSON.stringify({ pid: dead, owner: 'serve', started_at: 'x' }));
    expect(readLiveLock(dir)).toBeNull();
    const lock = acquireDirectoryLock(dir, 'cli');
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
