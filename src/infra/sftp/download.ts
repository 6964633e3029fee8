/**
 * Streaming download with SHA-256: READ requests are pipelined (several in flight, results consumed in order)
 * and each chunk is hashed and written out as it arrives, so memory stays at `concurrency x chunkSize`.
 * Reads have no side effect at the bank, so pipelining them is allowed for every bank.
 *
 * @example
 *   const { sha256, bytes } = await downloadFile(conn, '/outgoing/REC_20261125.txt', { path: './in/REC.txt' });
 *   await disposeRemoteFile(conn, '/outgoing/REC_20261125.txt', { action: 'move', toDir: '/outgoing/done' });
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import type { SftpConnection } from './connection.ts';
import { sftpError } from './errors.ts';
import { untrustedNameReason } from './remote-names.ts';

export type DownloadDestination = { path: string } | { sink: Writable } | { discard: true };

export interface TransferTuning {
  concurrency?: number;
  chunkSize?: number;
  /** Stop with `too_large` once more than this many bytes arrived (the file grew, or the server lies about it). */
  maxBytes?: number;
}

export interface DownloadResult {
  remotePath: string;
  bytes: number;
  sha256: string;
  durationMs: number;
}

async function writeTo(sink: Writable, chunk: Buffer): Promise<void> {
  if (sink.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      sink.off('drain', onDrain);
      reject(error);
    };
    const onDrain = () => {
      sink.off('error', onError);
      resolve();
    };
    sink.once('drain', onDrain);
    sink.once('error', onError);
  });
}

async function finish(sink: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sink.once('error', reject);
    sink.end(() => resolve());
  });
}

/** Reads the whole remote file in order through `consume`; returns total bytes and SHA-256. */
export async function readRemote(
  conn: SftpConnection,
  remotePath: string,
  consume: (chunk: Buffer) => Promise<void> | void,
  tuning: TransferTuning = {},
): Promise<{ bytes: number; sha256: string }> {
  const chunkSize = Math.min(tuning.chunkSize ?? 128 * 1024, conn.maxReadLength);
  const concurrency = tuning.concurrency ?? 64;
  const hash = createHash('sha256');
  const handle = await conn.open(remotePath, 'r');
  let total = 0;
  try {
    const size = (await conn.fstat(handle, remotePath)).size ?? 0;
    const tooLarge = (bytes: number) =>
      sftpError('too_large', `${remotePath}: ${bytes} bytes, over the limit of ${tuning.maxBytes}; not downloaded`, {
        remotePath,
        limit: tuning.maxBytes,
      });
    if (tuning.maxBytes !== undefined && size > tuning.maxBytes) throw tooLarge(size);
    const take = async (chunk: Buffer) => {
      total += chunk.length;
      if (tuning.maxBytes !== undefined && total > tuning.maxBytes) throw tooLarge(total);
      hash.update(chunk);
      await consume(chunk);
    };
    // A short read (allowed by the protocol) is completed by further reads of the same range.
    const readRange = async (position: number, length: number): Promise<Buffer> => {
      const parts: Buffer[] = [];
      let got = 0;
      while (got < length) {
        const part = await conn.read(handle, length - got, position + got, remotePath);
        if (part.length === 0) break;
        parts.push(part);
        got += part.length;
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    };
    const queue: Promise<Buffer>[] = [];
    let next = 0;
    const refill = () => {
      while (next < size && queue.length < concurrency) {
        const length = Math.min(chunkSize, size - next);
        const pending = readRange(next, length);
        pending.catch(() => {}); // awaited in order below; this only silences the not-yet-awaited rejection
        queue.push(pending);
        next += length;
      }
    };
    refill();
    while (queue.length > 0) {
      const chunk = await queue.shift()!;
      refill();
      await take(chunk);
    }
    // The file may have grown since fstat: read on until end of file.
    for (;;) {
      const more = await conn.read(handle, chunkSize, total, remotePath);
      if (more.length === 0) break;
      await take(more);
    }
  } finally {
    if (!conn.broken) await conn.closeHandle(handle, remotePath).catch(() => {});
  }
  return { bytes: total, sha256: hash.digest('hex') };
}

export async function downloadFile(
  conn: SftpConnection,
  remotePath: string,
  destination: DownloadDestination,
  tuning: TransferTuning = {},
): Promise<DownloadResult> {
  const started = performance.now();
  if ('discard' in destination) {
    const result = await readRemote(conn, remotePath, () => {}, tuning);
    return { remotePath, ...result, durationMs: performance.now() - started };
  }
  if ('sink' in destination) {
    const result = await readRemote(conn, remotePath, (chunk) => writeTo(destination.sink, chunk), tuning);
    return { remotePath, ...result, durationMs: performance.now() - started };
  }
  // Local file: written under a temporary name and renamed, so a half download is never mistaken for a file.
  const partial = `${destination.path}.part`;
  const sink = createWriteStream(partial, { mode: 0o640 });
  try {
    const result = await readRemote(conn, remotePath, (chunk) => writeTo(sink, chunk), tuning);
    await finish(sink);
    await rename(partial, destination.path);
    return { remotePath, ...result, durationMs: performance.now() - started };
  } catch (error) {
    sink.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

export type DisposeAction = { action: 'keep' } | { action: 'delete' } | { action: 'move'; toDir: string };

/** After processing: leave, delete, or move the remote file (e.g. into the bank's `processed` folder). */
export async function disposeRemoteFile(conn: SftpConnection, remotePath: string, how: DisposeAction): Promise<void> {
  if (how.action === 'keep') return;
  if (how.action === 'delete') return conn.unlink(remotePath);
  const name = posix.basename(remotePath);
  const reason = untrustedNameReason(name);
  if (reason) throw sftpError('untrusted_name', `remote name ${JSON.stringify(name)} ${reason}`, { remotePath });
  await conn.rename(remotePath, posix.join(how.toDir, name));
}
