/**
 * Atomic, idempotent upload (operations.md, file-transfer rules):
 * 1. the final name already there with the same size and SHA-256 -> `already_done`, nothing written; same name,
 *    different content -> critical `remote_conflict`, never overwritten;
 * 2. write `.<name>.part` with up to `maxOutstanding` WRITE requests in flight (bank `max_outstanding_requests`;
 *    1, or `parallel_writes: false`, for a server that mishandles writes arriving ahead of earlier ones);
 * 3. check the remote size of the temp file (`size_mismatch`, backoff, on a difference);
 * 4. check the final name once more (narrows the race with another writer), then rename, with
 *    posix-rename@openssh.com where offered. If the rename fails because the final name appeared meanwhile,
 *    step 1's comparison decides between `already_done` and `remote_conflict`.
 * The bank never sees a partial file under the final name; a dropped connection leaves at most the temp file,
 * which the next attempt truncates and rewrites.
 *
 * @example
 *   const r = await uploadFile(conn, { remoteDir: bank.upload_path, remoteName, source: { bytes },
 *     maxOutstanding: bank.max_outstanding_requests });
 *   r.status; // 'uploaded' | 'already_done'
 */
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

export function tempNameFor(name: string): string {
  return `.${name}.part`;
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
  const tempPath = posix.join(request.remoteDir, tempNameFor(request.remoteName));
  const data = sourceBuffer(request.source);
  const size = data.length;
  let localSha: string | undefined;
  const local = { size, sha256: () => (localSha ??= sourceSha256(request.source)) };

  const existing = async (): Promise<UploadResult | undefined> => {
    const stats = await conn.statIfExists(finalPath);
    if (!stats) return undefined;
    const same = await sameContent(conn, finalPath, stats.size, request, local);
    if (!same) {
      throw sftpError(
        'remote_conflict',
        `${finalPath} already exists at the bank with different content (${stats.size} bytes there, ${size} here); ` +
          'not overwritten: find out which file the bank has before anything else is sent',
        { remotePath: finalPath, remoteSize: stats.size, localSize: size },
      );
    }
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
  const handle = await conn.open(tempPath, 'w');
  let written: number;
  try {
    written = await writePipelined(conn, handle, tempPath, data, request.chunkSize ?? DEFAULT_CHUNK, maxOutstanding);
  } finally {
    if (!conn.broken) await conn.closeHandle(handle, tempPath).catch(() => {});
  }
  const sha256 = local.sha256();

  const remoteSize = (await conn.stat(tempPath)).size;
  if (remoteSize !== size || written !== size) {
    await conn.unlink(tempPath).catch(() => {});
    throw sftpError(
      'size_mismatch',
      `${tempPath}: ${remoteSize} bytes at the bank after writing ${size}; temp file removed, upload to be retried`,
      { remotePath: tempPath, remoteSize, localSize: size },
    );
  }

  await request.beforeRename?.();
  const raced = await existing().catch(async (error) => {
    await conn.unlink(tempPath).catch(() => {});
    throw error;
  });
  if (raced) {
    await conn.unlink(tempPath).catch(() => {});
    return raced;
  }
  try {
    await conn.rename(tempPath, finalPath);
  } catch (error) {
    if (conn.broken) throw error;
    const appeared = await existing().catch(async (conflict) => {
      await conn.unlink(tempPath).catch(() => {});
      throw conflict;
    });
    if (appeared) {
      await conn.unlink(tempPath).catch(() => {});
      return appeared;
    }
    throw error;
  }
  return { status: 'uploaded', remotePath: finalPath, bytes: size, sha256, durationMs: performance.now() - started };
}
