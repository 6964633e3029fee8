/**
 * The operator's connection test (exposed by the monitor API): a fresh connection, not a pooled one, so what it
 * reports is what the bank offers right now: negotiated algorithms (the host key algorithm among them), server
 * banner, host key fingerprint and whether it matches the pin, SFTP extensions, latency, and a probe of the upload
 * path doing what an upload does, each step reported: list the directory, write a temp file, STAT it (refused
 * by write-only drop boxes, which is fine: uploads then use the listing), rename it, remove it. A refused
 * handshake says what the server offers (e.g. only the SHA-1 `ssh-rsa` host key). A failure is reported, not
 * thrown.
 *
 * @example
 *   const report = await testConnection(bank, { getSecret, extraPins });
 *   if (!report.ok) console.log(report.error?.code, report.probe.find((s) => !s.ok));
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
  type SftpConnection,
} from './connection.ts';
import { classifySftpError, type SftpErrorCode, sftpError } from './errors.ts';
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
  hostKey: {
    fingerprint?: string;
    /** The host key algorithm negotiated, e.g. `ssh-ed25519`, `rsa-sha2-512`. */
    algorithm?: string;
    pinned: string[];
    acceptAny: boolean;
    matchesPin?: boolean;
  };
  /** The server's KEXINIT lists (kex, hostKey, cipher, mac), comma-separated: what it offers. */
  serverOffer?: Record<string, string>;
  sftpExtensions: string[];
  uploadPath: { path: string; writable?: boolean; error?: string };
  /** The upload probe, step by step, in order; stops at the first failed step (`stat` may fail and go on). */
  probe: ProbeStep[];
  error?: { code: string; retryClass: RetryClass; message: string };
}

export interface ProbeStep {
  step: 'list' | 'write' | 'stat' | 'rename' | 'remove';
  ok: boolean;
  ms: number;
  /** What was done, e.g. `listed 12 entries`, `STAT refused: existence is read from listings`. */
  detail?: string;
  error?: string;
  /** The error code of a failed step, e.g. `permission_denied`. */
  code?: string;
}

/** Steps whose failure means an upload would fail; `stat` is not one (uploads fall back to the listing). */
const REQUIRED_STEPS: ProbeStep['step'][] = ['list', 'write', 'rename', 'remove'];

async function probeUploadPath(conn: SftpConnection, dir: string): Promise<ProbeStep[]> {
  const steps: ProbeStep[] = [];
  const run = async (step: ProbeStep['step'], work: () => Promise<string | undefined>): Promise<boolean> => {
    const t0 = performance.now();
    try {
      const detail = await work();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - t0), ...(detail ? { detail } : {}) });
      return true;
    } catch (error) {
      const e = classifySftpError(error, `${step} in ${dir}`);
      steps.push({ step, ok: false, ms: Math.round(performance.now() - t0), error: e.message, code: e.code });
      return false;
    }
  };
  const id = randomBytes(6).toString('hex');
  const temp = posix.join(dir, `.connection-test-${id}.part`);
  const renamed = posix.join(dir, `.connection-test-${id}.done`);
  if (!(await run('list', async () => `listed ${(await conn.readdir(dir)).length} entries`))) return steps;
  const wrote = await run('write', async () => {
    const handle = await conn.open(temp, 'wx');
    try {
      await conn.write(handle, Buffer.from('connection test\n'), 0, temp);
    } finally {
      await conn.closeHandle(handle, temp);
    }
    return `wrote ${temp}`;
  });
  if (!wrote) return steps;
  await run('stat', async () => {
    try {
      return `${(await conn.stat(temp)).size} bytes`;
    } catch (error) {
      if ((error as { code?: string }).code !== 'permission_denied') throw error;
      return 'STAT refused (write-only directory): uploads read existence and size from the listing';
    }
  });
  if (conn.broken) return steps;
  const moved = await run('rename', async () => {
    await conn.rename(temp, renamed);
    return `renamed to ${renamed}`;
  });
  await run('remove', async () => {
    await conn.unlink(moved ? renamed : temp);
    return `removed ${moved ? renamed : temp}`;
  });
  return steps;
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
    probe: [],
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
    conn = await openSftpConnection(bank, { ...options, observeOffer: true }, observed);
  } catch (error) {
    if (observed.serverOffer) report.serverOffer = observed.serverOffer;
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
    report.hostKey.algorithm = conn.info.algorithms.serverHostKey;
    report.hostKey.matchesPin = observed.hostKeyMatched;
    if (observed.serverOffer) report.serverOffer = observed.serverOffer;
    report.sftpExtensions = await conn.probeExtensions();
    const t0 = performance.now();
    await conn.realpath('.');
    report.roundTripMs = Math.round((performance.now() - t0) * 10) / 10;
    report.probe = await probeUploadPath(conn, bank.upload_path);
    const failed = report.probe.find((s) => !s.ok && REQUIRED_STEPS.includes(s.step));
    const missing = REQUIRED_STEPS.find((step) => !report.probe.some((s) => s.step === step));
    report.uploadPath.writable = !failed && !missing;
    if (failed) report.uploadPath.error = failed.error;
    report.ok = report.uploadPath.writable;
    if (!report.ok) {
      const what = failed ? `${failed.step} failed: ${failed.error}` : `${missing} was not reached`;
      const message = `upload path ${bank.upload_path} does not take an upload (${what})`;
      fail(failed?.code ? sftpError(failed.code as SftpErrorCode, message) : new Error(message));
    }
  } catch (error) {
    fail(error);
  } finally {
    await conn.close();
  }
  return report;
}
