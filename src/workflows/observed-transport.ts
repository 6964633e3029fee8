/**
 * The bank transport with metrics: every operation counts as a connection attempt (success or failure), uploads
 * and downloads record their duration and bytes, and a host key mismatch is counted on its own, so the
 * operator's alert fires on the first one.
 */
import { isOperationalError } from '../domain/failure.ts';
import type { Telemetry } from '../infra/telemetry/metrics.ts';
import { withSpan } from '../infra/telemetry/tracing.ts';
import type { SftpTransport } from './adapters/sftp-transport.ts';

export function observeTransport(transport: SftpTransport, telemetry: Telemetry): SftpTransport {
  async function observed<T>(bank: string, span: string, work: () => Promise<T>): Promise<T> {
    try {
      const result = await withSpan(span, { 'bank.code': bank }, work);
      telemetry.connectionAttempt(bank, 'success');
      return result;
    } catch (error) {
      telemetry.connectionAttempt(bank, 'failure');
      if (isOperationalError(error) && error.code === 'host_key_mismatch') telemetry.hostKeyMismatch(bank);
      throw error;
    }
  }
  return {
    ...transport,
    async upload(bank, file, signal) {
      const result = await observed(bank.bank_code, 'sftp.upload', () => transport.upload(bank, file, signal));
      telemetry.transfer(bank.bank_code, 'upload', result.durationMs / 1000, result.bytes);
      return result;
    },
    async download(bank, name, signal) {
      const result = await observed(bank.bank_code, 'sftp.download', () => transport.download(bank, name, signal));
      telemetry.transfer(bank.bank_code, 'download', result.durationMs / 1000, result.bytes.length);
      return result;
    },
    listStable: (bank, days, signal) =>
      observed(bank.bank_code, 'sftp.list', () => transport.listStable(bank, days, signal)),
    healthCheck: (bank, signal) => observed(bank.bank_code, 'sftp.health', () => transport.healthCheck(bank, signal)),
  };
}
