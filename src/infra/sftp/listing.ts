/**
 * Listing a bank directory: regular files whose name matches the pattern, every untrusted name reported (not
 * thrown: one bad name must not hide the good files), and the stability rule: a file counts only when its size
 * and mtime are unchanged across two listings `intervalMs` apart (docs/operations.md: 5 s). The wait is injectable
 * so tests need not sleep. A listing is bounded (`limits`, config `sftp.max_listing_entries` / `max_listing_bytes`):
 * past the bound it fails with `listing_too_large` instead of reading on, and the poll of that bank fails.
 *
 * @example
 *   const { stable, pending, rejected } = await listStable(conn, bank.download_path,
 *     { pattern: bank.reconciliation_file_pattern, date: '2026-11-25', intervalMs: 5000 });
 */
import { posix } from 'node:path';
import type { ListingLimits, SftpConnection } from './connection.ts';
import { patternRegExp, untrustedNameReason } from './remote-names.ts';

export interface RemoteFile {
  name: string;
  path: string;
  size: number;
  mtime: Date;
}

export interface RejectedName {
  /** JSON-escaped, safe to log. */
  name: string;
  reason: string;
}

export interface Listing {
  files: RemoteFile[];
  rejected: RejectedName[];
}

export interface ListOptions {
  pattern?: string;
  /** Value date for `{YYYYMMDD}` (YYYY-MM-DD); absent: any 8 digits. */
  date?: string;
  limits?: ListingLimits;
}

import { DEFAULT_LISTING_LIMITS } from './connection.ts';

export { DEFAULT_LISTING_LIMITS };

export async function listRemote(conn: SftpConnection, dir: string, options: ListOptions = {}): Promise<Listing> {
  const entries = await conn.readdir(dir, options.limits ?? DEFAULT_LISTING_LIMITS);
  const matcher = options.pattern ? patternRegExp(options.pattern, { date: options.date }) : undefined;
  const files: RemoteFile[] = [];
  const rejected: RejectedName[] = [];
  for (const entry of entries) {
    const name = entry.filename;
    if (name === '.' || name === '..') continue;
    const reason = untrustedNameReason(name);
    if (reason) {
      rejected.push({ name: JSON.stringify(name), reason });
      continue;
    }
    // Dot files are in-progress uploads (ours or the bank's) or hidden: never business files.
    if (name.startsWith('.')) continue;
    if (!entry.attrs.isFile()) continue;
    if (matcher && !matcher.test(name)) continue;
    files.push({
      name,
      path: posix.join(dir, name),
      size: entry.attrs.size,
      mtime: new Date(entry.attrs.mtime * 1000),
    });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { files, rejected };
}

export interface StableListing extends Listing {
  /** Same size and mtime in both listings: complete, may be downloaded. */
  stable: RemoteFile[];
  /** Changed between the listings (or appeared in the second only): skip this poll. */
  pending: RemoteFile[];
}

export async function listStable(
  conn: SftpConnection,
  dir: string,
  options: ListOptions & { intervalMs: number; wait?: (ms: number) => Promise<void> },
): Promise<StableListing> {
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const first = await listRemote(conn, dir, options);
  await wait(options.intervalMs);
  const second = await listRemote(conn, dir, options);
  const before = new Map(first.files.map((f) => [f.name, f]));
  const stable: RemoteFile[] = [];
  const pending: RemoteFile[] = [];
  for (const file of second.files) {
    const earlier = before.get(file.name);
    if (earlier && earlier.size === file.size && earlier.mtime.getTime() === file.mtime.getTime()) stable.push(file);
    else pending.push(file);
  }
  return { files: second.files, rejected: second.rejected, stable, pending };
}
