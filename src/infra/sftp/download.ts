/**
 * Streaming download with SHA-256: READ requests are pipelined (several in flight, results consumed in order)
 * and each chunk is hashed and written out as it arrives, so memory stays at twice `concurrency x chunkSize`
 * (the requests in flight, and the chunks still being written or hashed). Reads have no side effect at the bank,
 * so pipelining them is allowed for every bank.
 *
 * Where a large download's time went, and what this module and its helpers do about it (bench/sftp.ts, 200 MB on
 * loopback): ssh2 staged every reply in a fresh buffer (direct-data.ts copies it straight into the READ's
 * buffer); the loop waited for each disk write (coalesced-writes.ts writes behind it); one socket write per READ
 * request (sent in batches). SHA-256 stays on the calling thread: hashing in a worker thread measured slower on
 * two cores (median 1,020 ms against 861 ms per 200 MB), where the worker competes with ssh2 and the server.
 *
 * @example
 *   const { sha256, bytes } = await downloadFile(conn, '/outgoing/REC_20261125.txt', { path: './in/REC.txt' });
 *   await disposeRemoteFile(conn, '/outgoing/REC_20261125.txt', { action: 'move', toDir: '/outgoing/done' });
 */
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import { coalescedWriter } from './coalesced-writes.ts';
import type { SftpConnection } from './connection.ts';
import { sftpError } from './errors.ts';
import { untrustedNameReason } from './remote-names.ts';

export type DownloadDestination = { path: string } | { sink: Writable } | { discard: true };

/**
 * Defaults measured on loopback against OpenSSH (bench/sftp.ts): requests as large as the server accepts (capped
 * by its limits@openssh.com; 256 KB for OpenSSH) need far fewer round trips and callbacks than 32 KB ones, and 16
 * of them in flight (4 MB) keep the pipe full as well as 64 do, with a quarter of the memory.
 */
export const DEFAULT_CHUNK = 256 * 1024;
export const DEFAULT_CONCURRENCY = 16;
/** Local file writes are at least this large (coalesced-writes.ts): a few per MB of pool-thread wake-ups. */
const WRITE_BATCH = 1 << 20;

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

/**
 * Reads the whole remote file in order through `consume`; returns total bytes and SHA-256.
 * With `recycle`, each chunk's buffer is reused for a later read once the promise `consume` returned for it has
 * resolved, so the consumer must be done with the bytes by then (a positional file write that has completed, a
 * hash). The loop does not wait for that promise: it goes on with the next reply while the consumer works, with
 * at most twice `concurrency` buffers in use. Fresh buffers per chunk would be 200 MB of garbage for a 200 MB
 * file, and the collections that forces cost more than the decryption. Without `recycle` every chunk is a buffer
 * of its own (for sinks that keep references) and `consume` is awaited (their back-pressure).
 * `flush` is called whenever the loop is about to wait for consumers, for one that holds chunks back to batch them.
 */
export async function readRemote(
  conn: SftpConnection,
  remotePath: string,
  consume: (chunk: Buffer) => Promise<void> | void,
  tuning: TransferTuning = {},
  options: { recycle?: boolean; flush?: () => void } = {},
): Promise<{ bytes: number; sha256: string }> {
  const chunkSize = Math.min(tuning.chunkSize ?? DEFAULT_CHUNK, conn.maxReadLength);
  const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY;
  const maxBuffers = 2 * concurrency;
  const hash = createHash('sha256');
  const free: Buffer[] = [];
  let allocated = 0;
  const take = (): Buffer | undefined => {
    if (!options.recycle) return Buffer.allocUnsafeSlow(chunkSize);
    const buffer = free.pop();
    if (buffer || allocated >= maxBuffers) return buffer;
    allocated++;
    return Buffer.allocUnsafeSlow(chunkSize);
  };
  /** Consumers still holding their chunk's buffer (recycle only), and the first failure among them. */
  const holding = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
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
    // A short read (allowed by the protocol) is completed by further reads of the same range.
    const readRange = async (buffer: Buffer, position: number, length: number): Promise<Buffer> => {
      let got = 0;
      while (got < length) {
        const part = await conn.readInto(handle, buffer.subarray(got, length), position + got, remotePath);
        if (part.length === 0) break;
        got += part.length;
      }
      return buffer.subarray(0, got);
    };
    const queue: Array<{ buffer: Buffer; pending: Promise<Buffer> }> = [];
    let next = 0;
    // Requests go out half the pipeline at a time, in one socket write (conn.batch), not one write per reply.
    const refill = () => {
      if (queue.length > concurrency / 2) return;
      conn.batch(() => {
        while (next < size && queue.length < concurrency) {
          const buffer = take();
          if (!buffer) return;
          const length = Math.min(chunkSize, size - next);
          const pending = readRange(buffer, next, length);
          pending.catch(() => {}); // awaited in order below; this only silences the not-yet-awaited rejection
          queue.push({ buffer, pending });
          next += length;
        }
      });
    };
    const deliver = async (buffer: Buffer, chunk: Buffer) => {
      total += chunk.length;
      if (tuning.maxBytes !== undefined && total > tuning.maxBytes) throw tooLarge(total);
      hash.update(chunk);
      if (!options.recycle) return consume(chunk);
      const done: Promise<void> = Promise.resolve(consume(chunk)).then(
        () => {
          holding.delete(done);
          free.push(buffer);
        },
        (error) => {
          holding.delete(done);
          failure ??= { error };
        },
      );
      holding.add(done);
    };
    /** Waits for a consumer (or all of them) to give its buffer back; rethrows a consumer's failure. */
    const settle = async (all = false) => {
      options.flush?.();
      if (holding.size > 0) await (all ? Promise.all(holding) : Promise.race(holding));
      if (failure) throw failure.error;
    };
    refill();
    while (queue.length > 0 || next < size) {
      if (queue.length === 0) {
        await settle();
        refill();
        continue;
      }
      const { buffer, pending } = queue.shift()!;
      const chunk = await pending;
      await deliver(buffer, chunk);
      if (failure) throw failure.error;
      refill();
    }
    // The file may have grown since fstat: read on until end of file.
    for (;;) {
      await settle(true);
      const buffer = take()!;
      const more = await conn.readInto(handle, buffer, total, remotePath);
      if (more.length === 0) break;
      await deliver(buffer, more);
    }
    await settle(true);
    return { bytes: total, sha256: hash.digest('hex') };
  } finally {
    // a consumer still writing a chunk must finish before the caller closes (or removes) what it writes to
    options.flush?.();
    await Promise.allSettled(holding);
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
  if ('discard' in destination) {
    const result = await readRemote(conn, remotePath, () => {}, tuning, { recycle: true });
    return { remotePath, ...result, durationMs: performance.now() - started };
  }
  if ('sink' in destination) {
    const result = await readRemote(conn, remotePath, (chunk) => writeTo(destination.sink, chunk), tuning);
    return { remotePath, ...result, durationMs: performance.now() - started };
  }
  // Local file: written under a temporary name and renamed, so a half download is never mistaken for a file.
  // Positional writes that have completed release their buffer for the next read (see readRemote).
  const partial = `${destination.path}.part`;
  const file = await open(partial, 'w', 0o640);
  try {
    const writer = coalescedWriter(file, { minBytes: WRITE_BATCH });
    const result = await readRemote(conn, remotePath, (chunk) => writer.write(chunk), tuning, {
      recycle: true,
      flush: () => writer.flush(),
    });
    await file.close();
    await rename(partial, destination.path);
    return { remotePath, ...result, durationMs: performance.now() - started };
  } catch (error) {
    await file.close().catch(() => {});
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
