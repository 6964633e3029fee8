/**
 * Atomic, idempotent upload (docs/operations.md, file-transfer rules; docs/sftp.md):
 * 1. the final name already there with the same size and SHA-256 -> `already_done`, nothing written; same name,
 *    different content -> critical `remote_conflict`, never overwritten;
 * 2. write `.<name>.<attempt>.part`, a temp name of this attempt alone, with up to `maxOutstanding` WRITE requests
 *    in flight (bank `max_outstanding_requests`; 1, or `parallel_writes: false`, for a server that mishandles
 *    writes arriving ahead of earlier ones);
 * 3. check the remote size of the temp file (`size_mismatch`, backoff, on a difference);
 * 4. check the final name once more (narrows the race with another writer), then rename, with
 *    posix-rename@openssh.com where offered. If the rename fails because the final name appeared meanwhile,
 *    step 1's comparison decides between `already_done` and `remote_conflict`.
 * The bank never sees a partial file under the final name. The temp name is new on every attempt because a server
 * may finish an earlier attempt's rename after our timeout: a retry writing the same temp name would be writing
 * into the file that rename just put under the final name. A failed attempt removes its temp file where the
 * connection still works; temp files of earlier attempts (a dropped connection) are removed once the name is done.
 *
 * Existence and size come from STAT, or from a listing of the directory where STAT is refused (write-only drop
 * boxes: ProFTPD `<Limit READ> DenyAll`); content that cannot be read back is compared by size only.
 *
 * @example
 *   const r = await uploadFile(conn, { remoteDir: bank.upload_path, remoteName, source: { bytes },
 *     maxOutstanding: bank.max_outstanding_requests });
 *   r.status; // 'uploaded' | 'already_done'
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { type ByteSource, sourceBuffer, sourceSha256 } from './byte-source.ts';
import type { SftpConnection } from './connection.ts';
import { DEFAULT_CHUNK, DEFAULT_MAX_OUTSTANDING, readRemote, type TransferTuning } from './download.ts';
import { sftpError } from './errors.ts';
import { untrustedNameReason } from './remote-names.ts';

export interface UploadRequest extends TransferTuning {
  remoteDir: string;
  remoteName: string;
  source: ByteSource;
  /** Test seam: runs after the temp file is written and checked, just before the rename. */
  beforeRename?: () => Promise<void>;
}

export interface UploadResult {
  status: 'uploaded' | 'already_done';
  remotePath: string;
  bytes: number;
  /** Hex SHA-256 of the local content. */
  sha256: string;
  /** How an existing remote file was found identical ('sha256', or 'size' where it cannot be read back). */
  verifiedBy?: 'sha256' | 'size';
  durationMs: number;
}

/** A fresh attempt id: 12 hex digits, so temp names of two attempts never meet. */
export function newAttemptId(): string {
  return randomBytes(6).toString('hex');
}

export function tempNameFor(name: string, attemptId: string): string {
  return `.${name}.${attemptId}.part`;
}

/** A temp name of any attempt at `name` (and the `.<name>.part` of versions before attempt ids). */
export function isTempNameFor(name: string, candidate: string): boolean {
  const prefix = `.${name}.`;
  if (!candidate.startsWith(prefix) || !candidate.endsWith('.part')) return false;
  const middle = candidate.slice(prefix.length, -'.part'.length);
  return candidate === `${prefix}part` || /^[0-9a-f]{12}$/.test(middle);
}

/**
 * Size of a remote file, or undefined when it is not there: STAT, and where the server refuses STAT
 * (permission denied), the entry of that name in a listing of its directory.
 */
export async function remoteSizeOf(conn: SftpConnection, path: string): Promise<number | undefined> {
  try {
    return (await conn.statIfExists(path))?.size;
  } catch (error) {
    if ((error as { code?: string }).code !== 'permission_denied') throw error;
    const entry = (await conn.readdir(posix.dirname(path))).find((e) => e.filename === posix.basename(path));
    return entry?.attrs.size;
  }
}

/** Writes `data` from offset 0 in `chunkSize` requests, up to `maxOutstanding` of them in flight. */
async function writePipelined(
  conn: SftpConnection,
  handle: Buffer,
  path: string,
  data: Buffer,
  chunkSize: number,
  maxOutstanding: number,
): Promise<number> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (let position = 0; position < data.length && !failure; position += chunkSize) {
    const write: Promise<void> = conn.write(handle, data.subarray(position, position + chunkSize), position, path).then(
      () => {
        inFlight.delete(write);
      },
      (error) => {
        inFlight.delete(write);
        failure ??= { error };
      },
    );
    inFlight.add(write);
    if (inFlight.size >= maxOutstanding) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return data.length;
}

/** Compares an existing remote file with ours: identical by SHA-256 (or by size where it cannot be read). */
async function sameContent(
  conn: SftpConnection,
  remotePath: string,
  remoteSize: number,
  tuning: TransferTuning,
  local: { size: number; sha256: () => string },
): Promise<'sha256' | 'size' | false> {
  if (remoteSize !== local.size) return false;
  let remoteSha: string;
  try {
    remoteSha = (await readRemote(conn, remotePath, () => {}, tuning)).sha256;
  } catch (error) {
    if ((error as { code?: string }).code === 'permission_denied') return 'size';
    throw error;
  }
  return remoteSha === local.sha256() ? 'sha256' : false;
}

export async function uploadFile(conn: SftpConnection, request: UploadRequest): Promise<UploadResult> {
  const started = performance.now();
  const reason = untrustedNameReason(request.remoteName);
  if (reason) {
    throw sftpError('untrusted_name', `remote name ${JSON.stringify(request.remoteName)} ${reason}`, {
      remoteName: request.remoteName,
    });
  }
  const finalPath = posix.join(request.remoteDir, request.remoteName);
  const tempPath = posix.join(request.remoteDir, tempNameFor(request.remoteName, newAttemptId()));
  const data = sourceBuffer(request.source);
  const size = data.length;
  let localSha: string | undefined;
  const local = { size, sha256: () => (localSha ??= sourceSha256(request.source)) };

  const existing = async (): Promise<UploadResult | undefined> => {
    const remoteSize = await remoteSizeOf(conn, finalPath);
    if (remoteSize === undefined) return undefined;
    const same = await sameContent(conn, finalPath, remoteSize, request, local);
    if (!same) {
      throw sftpError(
        'remote_conflict',
        `${finalPath} already exists at the bank with different content (${remoteSize} bytes there, ${size} here); ` +
          'not overwritten: find out which file the bank has before anything else is sent',
        { remotePath: finalPath, remoteSize, localSize: size },
      );
    }
    await removeEarlierTemps(conn, request.remoteDir, request.remoteName);
    return {
      status: 'already_done',
      remotePath: finalPath,
      bytes: size,
      sha256: local.sha256(),
      verifiedBy: same,
      durationMs: performance.now() - started,
    };
  };

  const before = await existing();
  if (before) return before;

  const maxOutstanding = request.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING;
  let sha256: string;
  try {
    const handle = await conn.open(tempPath, 'w');
    let written: number;
    try {
      written = await writePipelined(conn, handle, tempPath, data, request.chunkSize ?? DEFAULT_CHUNK, maxOutstanding);
    } finally {
      if (!conn.broken) await conn.closeHandle(handle, tempPath).catch(() => {});
    }
    sha256 = local.sha256();

    const remoteSize = await remoteSizeOf(conn, tempPath);
    if (remoteSize === undefined) {
      throw sftpError(
        'no_such_path',
        `${tempPath}: no such file right after it was written (taken away by the bank?)`,
        {
          remotePath: tempPath,
        },
      );
    }
    if (remoteSize !== size || written !== size) {
      throw sftpError(
        'size_mismatch',
        `${tempPath}: ${remoteSize} bytes at the bank after writing ${size}; ` +
          'temp file removed, upload to be retried',
        { remotePath: tempPath, remoteSize, localSize: size },
      );
    }

    await request.beforeRename?.();
    const raced = await existing();
    if (raced) {
      await conn.unlink(tempPath).catch(() => {});
      return raced;
    }
    try {
      await conn.rename(tempPath, finalPath);
    } catch (error) {
      if (conn.broken) throw error;
      const appeared = await existing();
      if (appeared) {
        await conn.unlink(tempPath).catch(() => {});
        return appeared;
      }
      throw error;
    }
  } catch (error) {
    // where the connection still works the failed attempt leaves nothing behind; otherwise its temp file stays
    // (hidden, never listed as a business file) until a later attempt at the same name completes
    if (!conn.broken) await conn.unlink(tempPath).catch(() => {});
    throw error;
  }
  await removeEarlierTemps(conn, request.remoteDir, request.remoteName);
  return { status: 'uploaded', remotePath: finalPath, bytes: size, sha256, durationMs: performance.now() - started };
}

/** Best effort: temp files that dropped attempts at `name` left behind; the upload is done whatever happens here. */
async function removeEarlierTemps(conn: SftpConnection, dir: string, name: string): Promise<void> {
  try {
    for (const entry of await conn.readdir(dir)) {
      if (isTempNameFor(name, entry.filename)) await conn.unlink(posix.join(dir, entry.filename)).catch(() => {});
    }
  } catch {
    // a listing refused or timed out leaves the leftovers for the next completed attempt
  }
}
