/**
 * The operator's connection test (exposed by the monitor API): a fresh connection, not a pooled one, so what it
 * reports is what the bank offers right now: negotiated algorithms, server banner, host key fingerprint and
 * whether it matches the pin, SFTP extensions, latency, and whether the upload path takes a file (a temp file
 * is written and removed). A failure is reported, not thrown.
 *
 * @example
 *   const report = await testConnection(bank, { getSecret, extraPins });
 *   if (!report.ok) console.log(report.error?.code, report.hostKey.fingerprint);
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { RetryClass } from '../../domain/failure.ts';
import {
  type ConnectOptions,
  type HandshakeObservation,
  type NegotiatedAlgorithms,
  openSftpConnection,
  type SftpBank,
} from './connection.ts';
import { classifySftpError } from './errors.ts';
import { hostKeyPolicy } from './host-key.ts';

export interface ConnectionReport {
  bankCode: string;
  ok: boolean;
  /** TCP connect + SSH handshake + authentication + SFTP start, in ms. */
  connectMs?: number;
  /** One SFTP round trip (realpath), in ms. */
  roundTripMs?: number;
  serverBanner?: string;
  algorithms?: NegotiatedAlgorithms;
  hostKey: { fingerprint?: string; pinned: string[]; acceptAny: boolean; matchesPin?: boolean };
  sftpExtensions: string[];
  uploadPath: { path: string; writable?: boolean; error?: string };
  error?: { code: string; retryClass: RetryClass; message: string };
}

export async function testConnection(
  bank: SftpBank & { upload_path: string },
  options: ConnectOptions,
): Promise<ConnectionReport> {
  const observed: HandshakeObservation = {};
  const report: ConnectionReport = {
    bankCode: bank.bank_code,
    ok: false,
    hostKey: { pinned: [], acceptAny: false },
    sftpExtensions: [],
    uploadPath: { path: bank.upload_path },
  };
  const fail = (error: unknown) => {
    const e = classifySftpError(error, `bank ${bank.bank_code}`);
    report.error = { code: e.code, retryClass: e.retryClass, message: e.message };
  };
  try {
    const policy = hostKeyPolicy(bank, { extraPins: options.extraPins ?? [] });
    report.hostKey = { pinned: policy.pins, acceptAny: policy.acceptAny };
  } catch (error) {
    fail(error);
    return report;
  }
  const started = performance.now();
  let conn: Awaited<ReturnType<typeof openSftpConnection>>;
  try {
    conn = await openSftpConnection(bank, options, observed);
  } catch (error) {
    report.hostKey.fingerprint = observed.hostKeyFingerprint;
    report.hostKey.matchesPin = observed.hostKeyMatched;
    fail(error);
    return report;
  }
  try {
    report.connectMs = Math.round(performance.now() - started);
    report.serverBanner = conn.info.serverBanner;
    report.algorithms = conn.info.algorithms;
    report.hostKey.fingerprint = conn.info.hostKeyFingerprint;
    report.hostKey.matchesPin = observed.hostKeyMatched;
    report.sftpExtensions = await conn.probeExtensions();
    const t0 = performance.now();
    await conn.realpath('.');
    report.roundTripMs = Math.round((performance.now() - t0) * 10) / 10;
    const probe = posix.join(bank.upload_path, `.connection-test-${randomBytes(6).toString('hex')}.part`);
    try {
      const handle = await conn.open(probe, 'wx');
      try {
        await conn.write(handle, Buffer.from('connection test\n'), 0, probe);
      } finally {
        await conn.closeHandle(handle, probe);
      }
      await conn.unlink(probe);
      report.uploadPath.writable = true;
    } catch (error) {
      report.uploadPath.writable = false;
      report.uploadPath.error = classifySftpError(error, probe).message;
    }
    report.ok = report.uploadPath.writable === true;
    if (!report.ok) fail(new Error(`upload path ${bank.upload_path} is not writable`));
  } catch (error) {
    fail(error);
  } finally {
    await conn.close();
  }
  return report;
}
