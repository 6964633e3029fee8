import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createWorkerPool } from './worker-pool.ts';

const ECHO = `require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));`;

describe('createWorkerPool', () => {
  it('hands a returned worker out again, keeps at most maxIdle, and stops the rest', async () => {
    let started = 0;
    const pool = createWorkerPool({
      start: () => {
        started++;
        return new Worker(ECHO, { eval: true });
      },
      maxIdle: 1,
    });
    const a = (await pool.take())!;
    const b = (await pool.take())!;
    expect(started).toBe(2);
    pool.giveBack(a);
    pool.giveBack(b); // one idle already: b is stopped
    await new Promise<number>((resolve) => b.once('exit', resolve));
    expect(await pool.take()).toBe(a);
    expect(started).toBe(2);
    const echoed = await new Promise((resolve) => {
      a.once('message', resolve);
      a.postMessage('still works');
    });
    expect(echoed).toBe('still works');
    await a.terminate();
  });

  it('answers undefined from then on when a worker cannot start', async () => {
    let attempts = 0;
    const pool = createWorkerPool({
      start: () => {
        attempts++;
        return new Worker('throw new Error("no runtime for this")', { eval: true });
      },
      ready: (worker) =>
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
    });
    expect(await pool.take()).toBeUndefined();
    expect(await pool.take()).toBeUndefined();
    expect(attempts).toBe(1);
  });

  it('hears of a failure that comes in the same turn as online, before the readiness check listens', async () => {
    // a busy main thread takes both messages from the worker at once: 'online', then at once 'error'
    const worker = Object.assign(new EventEmitter(), { terminate: async () => 0 });
    const pool = createWorkerPool({
      start: () => {
        setImmediate(() => {
          worker.emit('online');
          worker.emit('error', new Error('failed right after start'));
        });
        return worker as unknown as Worker;
      },
      // waits for an answer that never comes: only the error can end the wait
      ready: (w) => new Promise((resolve) => w.once('message', () => resolve())),
    });
    expect(await pool.take()).toBeUndefined();
  });
});
