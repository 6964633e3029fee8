/**
 * The shared vocabulary of failures. Every adapter (SFTP, PGP, storage) throws an OperationalError carrying a
 * stable `code` and a `retryClass` from the retry table of docs/operations.md, so the bank actor decides what to do
 * without knowing which adapter failed:
 * - `retry_now`: a network timeout; retried once at once;
 * - `backoff`: a connection failure (refused, reset, handshake); exponential backoff, then the durable queue;
 * - `critical`: authentication refused, host key mismatch, missing/expired PGP key, rejected file format,
 *   remote conflict; never retried automatically, goes to manual intervention.
 */
export type RetryClass = 'retry_now' | 'backoff' | 'critical';

export class OperationalError extends Error {
  override name = 'OperationalError';
  constructor(
    readonly code: string,
    readonly retryClass: RetryClass,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isOperationalError(error: unknown): error is OperationalError {
  return error instanceof OperationalError;
}

/** Anything that is not an OperationalError is treated as a connection-style failure: retried with backoff. */
export function retryClassOf(error: unknown): RetryClass {
  return isOperationalError(error) ? error.retryClass : 'backoff';
}
