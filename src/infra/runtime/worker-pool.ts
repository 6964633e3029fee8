/**
 * A few reusable worker threads of one kind (the SEIPD cipher): a worker costs tens of milliseconds and
 * megabytes to start, a file transfer needs one for a second. Idle workers are unref'd, so
 * they never hold the process open, and at most `maxIdle` are kept. A worker that cannot start (a runtime
 * without worker threads, or without what the worker's code needs) is remembered: every later `take` answers
 * undefined at once and the caller does the work in its own thread.
 *
 * @example
 *   const pool = createWorkerPool({ start: () => new Worker(code, { eval: true }) });
 *   const worker = await pool.take(); // undefined: work in this thread
 *   ... pool.giveBack(worker);       // or worker.terminate() when it is in an unknown state
 */
import type { Worker } from 'node:worker_threads';

export interface WorkerPool {
  take(): Promise<Worker | undefined>;
  /** For a worker that finished its job cleanly; listeners the job added are removed here. */
  giveBack(worker: Worker): void;
}

export function createWorkerPool(options: {
  start: () => Worker;
  /**
   * Resolves once a new worker can take work (e.g. answered a ping); may reject when it cannot. It need not
   * listen for 'error' or 'exit': either fails the start while it waits.
   */
  ready?: (worker: Worker) => Promise<void>;
  maxIdle?: number;
}): WorkerPool {
  const idle: Worker[] = [];
  const maxIdle = options.maxIdle ?? 2;
  let unavailable = false;

  return {
    async take() {
      const reused = idle.pop();
      if (reused) {
        reused.removeAllListeners('exit');
        reused.ref();
        return reused;
      }
      if (unavailable) return undefined;
      let worker: Worker | undefined;
      try {
        worker = options.start();
        const started = worker;
        // one listener for the whole start-up: 'online' and an 'error' right after it can be emitted before
        // the code after `await` runs, so an error listener added only then would never hear of the failure
        const failed = new Promise<never>((_, reject) => {
          started.once('error', reject);
          started.once('exit', (code) => reject(new Error(`worker exited with code ${code} while starting`)));
        });
        failed.catch(() => {});
        await Promise.race([new Promise<void>((resolve) => started.once('online', () => resolve())), failed]);
        if (options.ready) await Promise.race([options.ready(started), failed]);
        started.removeAllListeners('error');
        started.removeAllListeners('exit');
        return started;
      } catch {
        unavailable = true;
        void worker?.terminate();
        return undefined;
      }
    },
    giveBack(worker) {
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      if (idle.length >= maxIdle) {
        void worker.terminate();
        return;
      }
      worker.unref();
      idle.push(worker);
      worker.once('exit', () => {
        const at = idle.indexOf(worker);
        if (at >= 0) idle.splice(at, 1);
      });
    },
  };
}
