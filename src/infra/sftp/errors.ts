/**
 * SFTP failures as OperationalErrors, classified by the retry table of docs/operations.md:
 * - `timeout` -> retry_now (no reply within the configured time);
 * - `connection_refused`, `connection_lost`, `handshake_failed`, `no_such_path`, `size_mismatch`, `sftp_failure`,
 *   `pool_closed` -> backoff;
 * - `auth_failed`, `host_key_mismatch`, `host_key_not_pinned`, `credentials_unavailable`, `permission_denied`,
 *   `remote_conflict`, `untrusted_name`, `too_large`, `listing_too_large`, `hostile_peer` -> critical.
 *
 * Choices beyond the table: `permission_denied` is critical because the same request gets the same answer until
 * someone fixes the account or path at the bank, and repeating it can trip the bank's lockout. `no_such_path`
 * is backoff: banks move files away while we work on them (a listed file picked up before download, a directory
 * recreated during maintenance); a configuration mistake still ends in the durable queue after max attempts.
 * `listing_too_large` and `hostile_peer` are critical for the same reason: the next poll or connection meets the
 * same directory or the same server until someone at the bank acts; only that bank stops (docs/sftp.md).
 *
 * @example
 *   throw sftpError('remote_conflict', 'PAY_20261125_0001.txt exists with different content', { remotePath });
 */
import { OperationalError, type RetryClass } from '../../domain/failure.ts';

export const SFTP_ERROR_CLASSES = {
  timeout: 'retry_now',
  connection_refused: 'backoff',
  connection_lost: 'backoff',
  handshake_failed: 'backoff',
  no_such_path: 'backoff',
  size_mismatch: 'backoff',
  sftp_failure: 'backoff',
  pool_closed: 'backoff',
  auth_failed: 'critical',
  host_key_mismatch: 'critical',
  host_key_not_pinned: 'critical',
  credentials_unavailable: 'critical',
  permission_denied: 'critical',
  remote_conflict: 'critical',
  untrusted_name: 'critical',
  too_large: 'critical',
  listing_too_large: 'critical',
  hostile_peer: 'critical',
} as const satisfies Record<string, RetryClass>;

export type SftpErrorCode = keyof typeof SFTP_ERROR_CLASSES;

export function sftpError(
  code: SftpErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): OperationalError {
  return new OperationalError(code, SFTP_ERROR_CLASSES[code], message, details, cause ? { cause } : undefined);
}

// SSH_FX_* status codes of SFTP v3 (draft-ietf-secsh-filexfer-02).
const FX_NO_SUCH_FILE = 2;
const FX_PERMISSION_DENIED = 3;

interface Ssh2ErrorShape {
  code?: unknown;
  level?: unknown;
  message?: unknown;
}

/** Turns whatever ssh2, the socket or the SFTP layer threw into a classified error; OperationalErrors pass. */
export function classifySftpError(error: unknown, what: string, details: Record<string, unknown> = {}) {
  if (error instanceof OperationalError) return error;
  const e = (error ?? {}) as Ssh2ErrorShape;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const say = (code: SftpErrorCode, text: string) => sftpError(code, `${what}: ${text}`, details, error);
  if (e.code === FX_NO_SUCH_FILE) return say('no_such_path', 'no such file or directory');
  if (e.code === FX_PERMISSION_DENIED) return say('permission_denied', 'permission denied');
  if (typeof e.code === 'number') return say('sftp_failure', `server failure (${message})`);
  switch (e.code) {
    case 'ECONNREFUSED':
      return say('connection_refused', 'connection refused');
    case 'ETIMEDOUT':
      return say('timeout', 'timed out');
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return say('connection_lost', `connection lost (${e.code})`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say('connection_refused', `host unreachable (${e.code})`);
  }
  switch (e.level) {
    case 'client-timeout':
      return say('timeout', 'no SSH handshake within the connect timeout');
    case 'client-authentication':
      return say('auth_failed', 'authentication refused by the server');
    case 'handshake':
    case 'protocol':
      if (/no matching host key format/i.test(message)) {
        return say(
          'handshake_failed',
          `SSH handshake failed (${message}): the server offers no host key algorithm allowed for this bank; ` +
            'SHA-1 ssh-rsa is refused unless the bank lists it in algorithms.serverHostKey (docs/sftp.md)',
        );
      }
      return say('handshake_failed', `SSH handshake failed (${message})`);
  }
  if (/no response from server|not connected|connection lost|channel|closed/i.test(message)) {
    return say('connection_lost', `connection lost (${message})`);
  }
  return say('sftp_failure', message);
}
