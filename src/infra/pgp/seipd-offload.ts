/**
 * Runs a SEIPD transform (seipd.ts) on a byte stream, in a worker thread when the stream is large: the
 * cipher and MDC then overlap with what the calling thread does meanwhile (openpgp.js hashing and packet
 * work for the signature, the caller's own SHA-256, file I/O). A file that ends within the first 4 MiB is
 * transformed in the calling thread: a bank file is usually that small, and a thread hop would only cost.
 *
 * Workers are kept (at most two idle, unref'd so they never hold the process open) and reused. A worker that
 * cannot start (a runtime without worker threads or without the TypeScript loader) is remembered, and every
 * later stream is transformed in the calling thread: slower, never wrong.
 *
 * @example
 *   for await (const bytes of seipdTransform('encrypt', 'aes256', sessionKey, innerPackets)) out.write(bytes);
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { type SeipdCipher, SeipdDecryptor, SeipdEncryptor } from './seipd.ts';
import type { FromWorker, ToWorker } from './seipd-worker.ts';

export const OFFLOAD_THRESHOLD = 4 << 20;
/** Input chunks sent but not yet answered: enough to keep the worker busy, little memory. */
const IN_FLIGHT = 2;
const MAX_IDLE = 2;

const idle: Worker[] = [];
/** How many streams went which way since start (tests, diagnostics). */
export const seipdRuns = { worker: 0, inThread: 0 };
let workersUnavailable = false;

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

async function takeWorker(): Promise<Worker | undefined> {
  const reused = idle.pop();
  if (reused) {
    reused.ref();
    return reused;
  }
  if (workersUnavailable) return undefined;
  try {
    const worker = startWorker();
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    // 'online' comes before the module has loaded: one answered ping proves it runs.
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        worker.off('error', reject);
        resolve();
      });
      worker.once('error', reject);
      worker.postMessage({ type: 'ping' } satisfies ToWorker);
    });
    worker.removeAllListeners('error');
    return worker;
  } catch {
    workersUnavailable = true;
    return undefined;
  }
}

function giveBack(worker: Worker) {
  worker.removeAllListeners('message');
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
  worker.once('exit', () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
}

function* inThread(transform: SeipdEncryptor | SeipdDecryptor, chunks: Uint8Array[]): Generator<Uint8Array> {
  for (const chunk of chunks) yield* transform.push(chunk);
}

export async function* seipdTransform(
  kind: 'encrypt' | 'decrypt',
  algorithm: SeipdCipher,
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
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
    const worker = sourceDone ? undefined : await takeWorker();
    if (!worker) {
      seipdRuns.inThread++;
      const transform = kind === 'encrypt' ? new SeipdEncryptor(algorithm, key) : new SeipdDecryptor(algorithm, key);
      yield* inThread(transform, first);
      if (!sourceDone) {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          yield* transform.push(next.value);
        }
        sourceDone = true;
      }
      yield* transform.end();
      return;
    }
    seipdRuns.worker++;
    yield* viaWorker(worker, { type: 'start', kind, algorithm, key }, first, iterator, () => {
      sourceDone = true;
    });
  } finally {
    if (!sourceDone) await iterator.return?.();
  }
}

async function* viaWorker(
  worker: Worker,
  start: ToWorker,
  first: Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
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
  // Input buffers the worker gave back: each input is copied into one of these rather than a new buffer.
  const spares: ArrayBuffer[] = [];
  const post = (message: ToWorker) => {
    if (message.type !== 'chunk') {
      worker.postMessage(message);
      return;
    }
    // A copy the worker owns: the caller's chunk may be a view into a buffer it goes on using.
    const length = message.data.length;
    let spare = spares.pop();
    if (spare && spare.byteLength < length) spare = undefined;
    const own = spare ? new Uint8Array(spare, 0, length) : new Uint8Array(length);
    own.set(message.data);
    worker.postMessage({ type: 'chunk', data: own } satisfies ToWorker, [own.buffer as ArrayBuffer]);
  };
  const pump = (async () => {
    post(start);
    const send = async (data: Uint8Array) => {
      while (inFlight >= IN_FLIGHT && !failure) await waitForPump();
      if (failure) throw failure;
      inFlight++;
      post({ type: 'chunk', data });
    };
    for (const chunk of first) await send(chunk);
    for (;;) {
      if (failure) throw failure;
      const next = await iterator.next();
      if (next.done) break;
      await send(next.value);
    }
    onSourceDone();
    post({ type: 'end' });
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
      if (answer.type === 'pong') continue;
      if (answer.type === 'out') {
        if (answer.spare && spares.length < IN_FLIGHT) spares.push(answer.spare);
        inFlight--;
        wakePump();
      }
      yield* answer.chunks;
      if (answer.type === 'done') {
        finished = true;
        break;
      }
    }
  } finally {
    if (finished && pumpDone && !failure) {
      giveBack(worker);
    } else {
      failure ??= new Error('stopped');
      wakePump();
      void worker.terminate();
      await pump.catch(() => undefined);
    }
  }
}
