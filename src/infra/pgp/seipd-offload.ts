/**
 * Runs a SEIPD transform (seipd.ts) on a byte stream, in a worker thread when the stream is large: the
 * cipher and MDC (and, decrypting, the signed content's digests: inner-digest.ts) then overlap with what the
 * calling thread does meanwhile (the signature hash when encrypting, the caller's own SHA-256, file I/O). A
 * file that ends within the first 4 MiB is transformed in the calling thread: a bank file is usually that
 * small, and a thread hop would only cost. Workers come from a pool (runtime/worker-pool.ts); where none can
 * start, every stream is transformed in the calling thread: slower, never wrong.
 *
 * @example
 *   for await (const bytes of seipdTransform('encrypt', 'aes256', sessionKey, innerPackets)) out.write(bytes);
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { createWorkerPool } from '../runtime/worker-pool.ts';
import { InnerDigester } from './inner-digest.ts';
import { type SeipdCipher, SeipdDecryptor, SeipdEncryptor } from './seipd.ts';
import type { FileDecryptionJob, FileDecryptionResult } from './seipd-file.ts';
import type { FromWorker, ToWorker } from './seipd-worker.ts';

export const OFFLOAD_THRESHOLD = 4 << 20;
/** Input chunks sent but not yet answered: enough to keep the worker busy, little memory. */
const IN_FLIGHT = 2;
/** Bytes per message to the worker. */
const BATCH = 1 << 20;
const MAX_IDLE = 2;

/** How many streams went which way since start, and how many whole files a worker decrypted (tests, diagnostics). */
export const seipdRuns = { worker: 0, inThread: 0, file: 0 };

/**
 * The worker's code as one CommonJS script, compiled once from seipd-worker.ts by esbuild (tsx's compiler).
 * Why not tsx inside the worker: Node 20 applies no ESM loader hooks in worker threads, and tsx's CommonJS
 * hook costs the worker about 25 MB of memory; this script costs about 3 MB.
 */
let workerScript: string | undefined;

function compiledWorker(): string {
  workerScript ??= buildSync({
    entryPoints: [fileURLToPath(new URL('./seipd-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]!.text;
  return workerScript;
}

function startWorker(): Worker {
  // Deno runs TypeScript in workers natively.
  if ('Deno' in globalThis) return new Worker(new URL('./seipd-worker.ts', import.meta.url));
  return new Worker(compiledWorker(), { eval: true });
}

const pool = createWorkerPool({
  start: startWorker,
  // 'online' comes before the module has loaded: one answered ping proves it runs (an error or exit meanwhile
  // fails the start in the pool).
  ready: (worker) =>
    new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage({ type: 'ping' } satisfies ToWorker);
    }),
  maxIdle: MAX_IDLE,
});

function* inThread(transform: SeipdEncryptor | SeipdDecryptor, chunks: Uint8Array[]): Generator<Uint8Array> {
  for (const chunk of chunks) yield* transform.push(chunk);
}

/** Filled when a decryption asked for the signed content's digests (InnerDigester) has ended. */
export interface InnerDigests {
  digests?: (Uint8Array | null)[];
  /** SHA-256 of the literal content, when its packets parsed. */
  contentSha256?: string;
}

export async function* seipdTransform(
  kind: 'encrypt' | 'decrypt',
  algorithm: SeipdCipher,
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  inner?: InnerDigests,
): AsyncIterable<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let firstBytes = 0;
  let sourceDone = false;
  try {
    while (firstBytes < OFFLOAD_THRESHOLD) {
      const next = await iterator.next();
      if (next.done) {
        sourceDone = true;
        break;
      }
      first.push(next.value);
      firstBytes += next.value.length;
    }
    const worker = sourceDone ? undefined : await pool.take();
    if (!worker) {
      seipdRuns.inThread++;
      const transform = kind === 'encrypt' ? new SeipdEncryptor(algorithm, key) : new SeipdDecryptor(algorithm, key);
      const digester = kind === 'decrypt' && inner ? new InnerDigester() : undefined;
      const digested = function* (chunks: Iterable<Uint8Array>) {
        for (const chunk of chunks) {
          digester?.push(chunk);
          yield chunk;
        }
      };
      yield* digested(inThread(transform, first));
      if (!sourceDone) {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          yield* digested(transform.push(next.value));
        }
        sourceDone = true;
      }
      yield* digested(transform.end());
      if (digester && inner) Object.assign(inner, digester.end());
      return;
    }
    seipdRuns.worker++;
    const start: ToWorker = { type: 'start', kind, algorithm, key, digestInner: kind === 'decrypt' && !!inner };
    yield* viaWorker(worker, start, first, iterator, inner, () => {
      sourceDone = true;
    });
  } finally {
    if (!sourceDone) await iterator.return?.();
  }
}

/**
 * Decrypts a whole file in a worker (seipd-file.ts); undefined when no worker can run here, so the caller
 * streams instead: the job blocks its thread for the whole file, which must never be the calling thread.
 */
export async function decryptFileInWorker(job: FileDecryptionJob): Promise<FileDecryptionResult | undefined> {
  const worker = await pool.take();
  if (!worker) return undefined;
  seipdRuns.file++;
  let answer: FromWorker;
  try {
    answer = await new Promise<FromWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the SEIPD worker stopped (exit code ${code})`)));
      worker.postMessage({ type: 'decryptFile', job } satisfies ToWorker);
    });
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  if (answer.type !== 'fileDone' && answer.type !== 'error') {
    void worker.terminate();
    throw new Error(`unexpected answer from the SEIPD worker: ${answer.type}`);
  }
  // The job ended, well or not, in a worker that is ready for the next one.
  pool.giveBack(worker);
  if (answer.type === 'error') throw Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {});
  return answer.result;
}

async function* viaWorker(
  worker: Worker,
  start: ToWorker,
  first: Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
  inner: InnerDigests | undefined,
  onSourceDone: () => void,
): AsyncIterable<Uint8Array> {
  const answers: FromWorker[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const waitForNews = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  worker.on('message', (answer: FromWorker) => {
    answers.push(answer);
    notify();
  });
  const broken = (error: Error) => {
    failure ??= error;
    notify();
  };
  worker.on('error', broken);
  worker.on('exit', (code) => broken(new Error(`the SEIPD worker stopped (exit code ${code})`)));

  // The pump waits for answers too; it has its own wake-up so the two never steal each other's.
  let pumpWake: (() => void) | undefined;
  const waitForPump = () =>
    new Promise<void>((resolve) => {
      pumpWake = resolve;
    });
  const wakePump = () => {
    const w = pumpWake;
    pumpWake = undefined;
    w?.();
  };
  let inFlight = 0;
  let pumpDone = false;
  // Inputs go over in batches of BATCH bytes, copied into buffers the worker gives back when done with them:
  // the pieces arriving here may be a few bytes (packet headers) or views into buffers the caller keeps.
  const spares: ArrayBuffer[] = [];
  let batch: Uint8Array | undefined;
  let filled = 0;
  const flush = async () => {
    if (!batch || filled === 0) return;
    while (inFlight >= IN_FLIGHT && !failure) await waitForPump();
    if (failure) throw failure;
    inFlight++;
    const data = batch.subarray(0, filled);
    batch = undefined;
    filled = 0;
    worker.postMessage({ type: 'chunk', data } satisfies ToWorker, [data.buffer as ArrayBuffer]);
  };
  const add = async (piece: Uint8Array) => {
    let at = 0;
    while (at < piece.length) {
      batch ??= new Uint8Array(spares.pop() ?? new ArrayBuffer(BATCH));
      const n = Math.min(BATCH - filled, piece.length - at);
      batch.set(piece.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === BATCH) await flush();
    }
  };
  const pump = (async () => {
    worker.postMessage(start);
    for (const chunk of first) await add(chunk);
    for (;;) {
      if (failure) throw failure;
      const next = await iterator.next();
      if (next.done) break;
      await add(next.value);
    }
    await flush();
    onSourceDone();
    worker.postMessage({ type: 'end' } satisfies ToWorker);
    pumpDone = true;
  })();
  pump.catch((error: unknown) => {
    broken(error as Error);
    wakePump();
  });

  let finished = false;
  try {
    for (;;) {
      const answer = answers.shift();
      if (!answer) {
        if (failure) throw failure;
        await waitForNews();
        continue;
      }
      if (answer.type === 'error') throw new Error(answer.message);
      if (answer.type === 'pong' || answer.type === 'fileDone') continue;
      if (answer.type === 'out') {
        if (answer.spare?.byteLength === BATCH && spares.length < IN_FLIGHT) spares.push(answer.spare);
        inFlight--;
        wakePump();
      }
      yield* answer.chunks;
      if (answer.type === 'done') {
        if (inner && answer.inner) Object.assign(inner, answer.inner);
        finished = true;
        break;
      }
    }
  } finally {
    if (finished && pumpDone && !failure) {
      pool.giveBack(worker);
    } else {
      failure ??= new Error('stopped');
      wakePump();
      void worker.terminate();
      await pump.catch(() => undefined);
    }
  }
}
