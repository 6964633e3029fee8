import { describe, expect, it } from 'vitest';
import { OperationalError } from '../../domain/failure.ts';
import { classifySftpError, SFTP_ERROR_CLASSES, sftpError } from './errors.ts';

const classOf = (error: unknown) => {
  const e = classifySftpError(error, 'test');
  return [e.code, e.retryClass];
};

describe('SFTP error classification (retry table of docs/operations.md)', () => {
  it('maps socket, SSH and SFTP failures to codes and retry classes', () => {
    expect(classOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toEqual(['connection_refused', 'backoff']);
    expect(classOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toEqual(['connection_lost', 'backoff']);
    expect(classOf(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toEqual(['timeout', 'retry_now']);
    expect(classOf(Object.assign(new Error('x'), { level: 'client-timeout' }))).toEqual(['timeout', 'retry_now']);
    expect(classOf(Object.assign(new Error('x'), { level: 'client-authentication' }))).toEqual([
      'auth_failed',
      'critical',
    ]);
    expect(classOf(Object.assign(new Error('no matching kex'), { level: 'handshake' }))).toEqual([
      'handshake_failed',
      'backoff',
    ]);
    expect(classOf(Object.assign(new Error('No such file'), { code: 2 }))).toEqual(['no_such_path', 'backoff']);
    expect(classOf(Object.assign(new Error('Permission denied'), { code: 3 }))).toEqual([
      'permission_denied',
      'critical',
    ]);
    expect(classOf(Object.assign(new Error('Failure'), { code: 4 }))).toEqual(['sftp_failure', 'backoff']);
  });

  it('passes OperationalErrors through and makes critical the failures no retry can fix', () => {
    const original = sftpError('remote_conflict', 'exists');
    expect(classifySftpError(original, 'x')).toBe(original);
    expect(original).toBeInstanceOf(OperationalError);
    expect(SFTP_ERROR_CLASSES.host_key_mismatch).toBe('critical');
    expect(SFTP_ERROR_CLASSES.remote_conflict).toBe('critical');
    expect(SFTP_ERROR_CLASSES.auth_failed).toBe('critical');
  });
});
