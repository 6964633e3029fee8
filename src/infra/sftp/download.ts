/**
 * Streaming download with SHA-256: READ requests are pipelined (up to `maxOutstanding` in flight, results consumed
 * in order) and each chunk is hashed and handed to the sink as it arrives, so memory stays near
 * `maxOutstanding x chunkSize` plus what the sink holds. Reads have no side effect at the bank, so pipelining them
 * is allowed for every bank; `max_outstanding_requests: 1` still makes them one at a time.
 *
 * @example
 *   const { sha256, bytes } = await downloadFile(conn, '/outgoing/REC_20261125.txt', { sink });
 *   await disposeRemoteFile(conn, '/outgoing/REC_20261125.txt', { action: 'move', toDir: '/outgoing/done' });
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import type { SftpConnection } from './connection.ts';
import { sftpError } from './errors.ts';
import { untrustedNameReason } from './remote-names.ts';

export type DownloadDestination = { sink: Writable };

/**
 * 255 KB per request: OpenSSH's limit (limits@openssh.com), so one READ or WRITE each; ssh2 splits a request
 * over a server's limit into requests of ~31 KB sent one after the other. Measured on loopback (bench/sftp.ts,
 * 50 MB, load 2-4): 255 KB reads downloaded at 175 MB/s against 95 MB/s for 128 KB ones. 16 in flight (4 MB)
 * fill a 100 Mbit/s link at 320 ms round trip.
 */
export const DEFAULT_CHUNK = 255 * 1024;
export const DEFAULT_MAX_OUTSTANDING = 16;

export interface TransferTuning {
  /** Requests in flight per transfer (bank `max_outstanding_requests`); 1 is one at a time. */
  maxOutstanding?: number;
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

/** Reads the whole remote file in order through `consume` (awaited: its back-pressure); bytes and SHA-256. */
export async function readRemote(
  conn: SftpConnection,
  remotePath: string,
  consume: (chunk: Buffer) => Promise<void> | void,
  tuning: TransferTuning = {},
): Promise<{ bytes: number; sha256: string }> {
  const chunkSize = tuning.chunkSize ?? DEFAULT_CHUNK;
  const maxOutstanding = tuning.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING;
  const hash = createHash('sha256');
  const handle = await conn.open(remotePath, 'r');
  const queue: Array<Promise<Buffer>> = [];
  let total = 0;
  try {
    const size = (await conn.fstat(handle, remotePath)).size ?? 0;
    const tooLarge = (bytes: number) =>
      sftpError('too_large', `${remotePath}: ${bytes} bytes, over the limit of ${tuning.maxBytes}; not downloaded`, {
        remotePath,
        limit: tuning.maxBytes,
      });
    if (tuning.maxBytes !== undefined && size > tuning.maxBytes) throw tooLarge(size);
    // A short read (allowed by the protocol, and how ssh2 ends a request over the server's limit) is completed
    // by further reads of the same range; only the end of the file stops it early.
    const readRange = async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = await conn.read(handle, buffer, got, length - got, position + got, remotePath);
        if (n === 0) break;
        got += n;
      }
      return buffer.subarray(0, got);
    };
    const deliver = async (chunk: Buffer) => {
      total += chunk.length;
      if (tuning.maxBytes !== undefined && total > tuning.maxBytes) throw tooLarge(total);
      hash.update(chunk);
      await consume(chunk);
    };
    let next = 0;
    const refill = () => {
      while (next < size && queue.length < maxOutstanding) {
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
      await deliver(chunk);
    }
    // The file may have grown since fstat: read on until end of file.
    for (;;) {
      const more = await readRange(total, chunkSize);
      if (more.length === 0) break;
      await deliver(more);
    }
    return { bytes: total, sha256: hash.digest('hex') };
  } finally {
    await Promise.allSettled(queue);
    if (!conn.broken) await conn.closeHandle(handle, remotePath).catch(() => {});
  }
}

export async function downloadFile(
  conn: SftpConnection,
  remotePath: string,
  destination: DownloadDestination,
  tuning: TransferTuning = {},
): Promise<DownloadResult> {
  const started = performance.now();
  const result = await readRemote(conn, remotePath, (chunk) => writeTo(destination.sink, chunk), tuning);
  return { remotePath, ...result, durationMs: performance.now() - started };
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
