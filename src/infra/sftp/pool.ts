/**
 * A connection pool per bank: at most `max` connections (default 5), idle connections health-checked every
 * `idleCheckMs` (a `realpath('.')` round trip), broken connections discarded and never handed out, waiters
 * served first come first served. `end()` closes every socket and rejects whoever still waits. An authentication
 * refusal is retried once with the credential read anew from the secret store (`getFreshSecret`), so a rotated
 * password or key is picked up without an operator.
 *
 * @example
 *   const pool = createSftpPool(bank, { getSecret, max: 5 });
 *   const stat = await pool.use((conn) => conn.stat(bank.upload_path));
 *   metrics.observe(pool.stats()); // { active, idle, waiting, connecting }
 *   await pool.end();
 */

import { OperationalError } from '../../domain/failure.ts';
import { type ConnectOptions, openSftpConnection, type SftpBank, type SftpConnection } from './connection.ts';
import { sftpError } from './errors.ts';

export interface PoolOptions extends ConnectOptions {
  max?: number;
  idleCheckMs?: number;
  /** Replaces the real connect (tests inject failures with it). */
  connect?: () => Promise<SftpConnection>;
}

export interface PoolStats {
  /** Borrowed and in use. */
  active: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  /** Connections being opened. */
  connecting: number;
}

export interface SftpPool {
  readonly bankCode: string;
  acquire(): Promise<SftpConnection>;
  /** Returns a connection; a broken one (or `discard: true`) is closed instead of kept. */
  release(connection: SftpConnection, options?: { discard?: boolean }): void;
  /** Borrows, runs `work`, returns the connection (discarding it if the work broke it). */
  use<T>(work: (connection: SftpConnection) => Promise<T>): Promise<T>;
  stats(): PoolStats;
  /** Health-checks idle connections now (also runs every `idleCheckMs`). */
  checkIdle(): Promise<void>;
  end(): Promise<void>;
}

interface Waiter {
  resolve: (connection: SftpConnection) => void;
  reject: (error: unknown) => void;
}

export function createSftpPool(bank: SftpBank, options: PoolOptions): SftpPool {
  const max = options.max ?? 5;
  const idle: SftpConnection[] = [];
  const active = new Set<SftpConnection>();
  const waiters: Waiter[] = [];
  const closing = new Set<Promise<void>>();
  let connecting = 0;
  let ended = false;
  const connect = options.connect ?? (() => connectReadingAgainOnAuthFailure(bank, options));

  const discard = (connection: SftpConnection) => {
    const done = connection.close().finally(() => closing.delete(done));
    closing.add(done);
  };

  const takeIdle = (): SftpConnection | undefined => {
    for (let c = idle.pop(); c; c = idle.pop()) {
      if (!c.broken) return c;
      discard(c);
    }
    return undefined;
  };

  // Hands a free connection or a free slot to the first waiter; called whenever either appears.
  const dispatch = () => {
    while (waiters.length > 0 && !ended) {
      const connection = takeIdle();
      if (connection) {
        active.add(connection);
        waiters.shift()!.resolve(connection);
        continue;
      }
      if (active.size + connecting >= max) return;
      const waiter = waiters.shift()!;
      connecting++;
      connect().then(
        (fresh) => {
          connecting--;
          if (ended) {
            discard(fresh);
            waiter.reject(sftpError('pool_closed', `bank ${bank.bank_code}: pool is closed`));
          } else {
            active.add(fresh);
            waiter.resolve(fresh);
          }
          dispatch();
        },
        (error) => {
          connecting--;
          waiter.reject(error);
          dispatch();
        },
      );
    }
  };

  const release = (connection: SftpConnection, opts: { discard?: boolean } = {}) => {
    if (!active.delete(connection)) return;
    if (ended || opts.discard || connection.broken) discard(connection);
    else idle.push(connection);
    dispatch();
  };

  const checkIdle = async () => {
    const checking = idle.splice(0, idle.length);
    await Promise.all(
      checking.map(async (connection) => {
        try {
          await connection.realpath('.');
          if (ended || connection.broken) discard(connection);
          else idle.push(connection);
        } catch {
          discard(connection);
        }
      }),
    );
    dispatch();
  };

  const timer = setInterval(() => void checkIdle(), options.idleCheckMs ?? 60_000);
  timer.unref();

  return {
    bankCode: bank.bank_code,
    acquire() {
      if (ended) return Promise.reject(sftpError('pool_closed', `bank ${bank.bank_code}: pool is closed`));
      return new Promise<SftpConnection>((resolve, reject) => {
        waiters.push({ resolve, reject });
        dispatch();
      });
    },
    release,
    async use(work) {
      const connection = await this.acquire();
      let failed = false;
      try {
        return await work(connection);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // After a failure the connection is kept only if it still answers like a healthy one.
        release(connection, { discard: failed && connection.broken });
      }
    },
    stats: () => ({ active: active.size, idle: idle.length, waiting: waiters.length, connecting }),
    checkIdle,
    async end() {
      ended = true;
      clearInterval(timer);
      for (const waiter of waiters.splice(0)) {
        waiter.reject(sftpError('pool_closed', `bank ${bank.bank_code}: pool is closed`));
      }
      for (const connection of idle.splice(0)) discard(connection);
      for (const connection of active) discard(connection);
      active.clear();
      // connections still being opened are closed by their own callback once they arrive
      while (closing.size > 0 || connecting > 0) {
        await Promise.all([...closing]);
        if (connecting > 0) await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/**
 * Opens a connection; when the server refuses authentication and a fresh secret reader is given, reads the
 * credential once more from the secret store itself (the cached one may predate a rotation) and tries again.
 * A second refusal is the critical `auth_failed` that sends the bank to manual intervention.
 */
export async function connectReadingAgainOnAuthFailure(
  bank: SftpBank,
  options: ConnectOptions,
): Promise<SftpConnection> {
  try {
    return await openSftpConnection(bank, options);
  } catch (error) {
    const refused = error instanceof OperationalError && error.code === 'auth_failed';
    if (!refused || !options.getFreshSecret) throw error;
    try {
      return await openSftpConnection(bank, { ...options, getSecret: options.getFreshSecret });
    } catch (again) {
      if (!(again instanceof OperationalError) || again.code !== 'auth_failed') throw again;
      throw sftpError(
        'auth_failed',
        `${again.message} (again after reading the credential anew from the secret store)`,
        { bank: bank.bank_code, rereadCredential: true },
        again,
      );
    }
  }
}
