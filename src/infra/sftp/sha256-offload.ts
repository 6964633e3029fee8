/**
 * SHA-256 of a download in a worker thread, over buffers the worker shares with the download loop: hashing is a
 * quarter of a large download's work on the calling thread (which also decrypts, parses and copies every byte),
 * and in a worker it overlaps with that. Chunks go over as (offset, length) into one SharedArrayBuffer, so no
 * byte is copied; they are hashed in the order sent, and each `update` resolves once its chunk is hashed (then
 * its buffer may be reused).
 *
 * Workers come from a pool (runtime/worker-pool.ts); where none can start, callers hash in their own thread:
 * slower, never wrong.
 *
 * @example
 *   const slab = new SharedArrayBuffer(8 << 20);
 *   const hasher = await offThreadSha256(slab);          // undefined: hash in this thread
 *   await hasher?.update(Buffer.from(slab, 0, 4096));
 *   const hex = await hasher?.digest();
 */
import { Worker } from 'node:worker_threads';
import { createWorkerPool } from '../runtime/worker-pool.ts';

/** Plain JavaScript, so the worker needs no TypeScript loader (Node 20 applies none in workers). */
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let slab;
let hash;
parentPort.on('message', (m) => {
  if (m.type === 'begin') { slab = m.slab; hash = createHash('sha256'); parentPort.postMessage(0); return; }
  if (m.type === 'digest') { parentPort.postMessage(hash.digest('hex')); slab = undefined; return; }
  for (let i = 0; i < m.length; i += 2) hash.update(new Uint8Array(slab, m[i], m[i + 1]));
  parentPort.postMessage(0);
});
`;

/**
 * Chunks sent per message: each message wakes the worker and each reply the caller, and on a busy machine those
 * wake-ups cost more than the messages themselves.
 */
const BATCH = 4;
const pool = createWorkerPool({ start: () => new Worker(WORKER_CODE, { eval: true }) });

export interface OffThreadSha256 {
  /**
   * `chunk` must be a view into the slab given to `offThreadSha256`; resolves once it is hashed. Chunks go to the
   * worker a few at a time: call `flush` before waiting for one of them.
   */
  update(chunk: Buffer): Promise<void>;
  /** Sends the chunks not sent yet. */
  flush(): void;
  /** Hex digest of everything updated; the worker goes back to the idle set. */
  digest(): Promise<string>;
  /** Gives up on the hash (an aborted download): the worker is stopped, pending updates rejected. */
  abandon(): void;
}

/** A hasher in a worker for chunks of `slab`, or undefined where no worker can run (hash in this thread then). */
export async function offThreadSha256(slab: SharedArrayBuffer): Promise<OffThreadSha256 | undefined> {
  const worker = await pool.take();
  if (!worker) return undefined;
  // replies come in the order of the requests: one FIFO of waiters
  const waiting: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
  let failed: Error | undefined;
  const fail = (error: Error) => {
    failed ??= error;
    for (const waiter of waiting.splice(0)) waiter.reject(failed);
  };
  worker.on('message', (value) => waiting.shift()?.resolve(value));
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`SHA-256 worker exited (${code})`)));
  const ask = (message: unknown): Promise<unknown> => {
    if (failed) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.postMessage(message);
    });
  };
  try {
    await ask({ type: 'begin', slab });
  } catch {
    void worker.terminate();
    return undefined;
  }
  // chunks not sent yet, and the one promise they all settle with (by the reply to the message carrying them)
  let batch: number[] = [];
  let batchDone: Promise<void> | undefined;
  let settleBatch: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const flush = () => {
    if (!settleBatch) return;
    const { resolve, reject } = settleBatch;
    ask(batch).then(() => resolve(), reject);
    batch = [];
    batchDone = undefined;
    settleBatch = undefined;
  };
  return {
    update: (chunk) => {
      if (chunk.buffer !== slab) throw new Error('offThreadSha256: chunk is not a view of the shared slab');
      if (failed) return Promise.reject(failed);
      batchDone ??= new Promise<void>((resolve, reject) => {
        settleBatch = { resolve, reject };
      });
      const done = batchDone;
      batch.push(chunk.byteOffset, chunk.length);
      if (batch.length >= 2 * BATCH) flush();
      return done;
    },
    flush,
    digest: async () => {
      flush();
      const hex = (await ask({ type: 'digest' })) as string;
      pool.giveBack(worker);
      return hex;
    },
    abandon: () => {
      fail(new Error('SHA-256 abandoned'));
      settleBatch?.reject(failed ?? new Error('SHA-256 abandoned'));
      settleBatch = undefined;
      worker.removeAllListeners('exit');
      void worker.terminate();
    },
  };
}
