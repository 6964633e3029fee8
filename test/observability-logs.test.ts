/**
 * A payment run as it reaches the log: every line of it, captured, holds no full account number, ID number or
 * secret value, still says what happened (file name, digest, amounts, dates), and carries the run's trace id.
 */
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, registerSecretValue } from '../src/infra/telemetry/logger.ts';
import { startTracing, type Tracing, withSpan } from '../src/infra/telemetry/tracing.ts';

const ORIGINATOR_ACCOUNT = '0170012345678901';
const PAYEE_ACCOUNTS = ['012345678901', '0123-456-789012', '9988776655443322'];
const IDS = ['A123456789', 'F223456789', 'AC01234567', '04595257']; // national IDs, resident certificate, 統一編號
const SECRETS = {
  sftpPassword: 'hunter2-sftp-PASS',
  passphrase: 'pgp passphrase Zx9',
  apiToken: 'bsf_tok_4f6a8c0e2b',
  privateKeyBody: 'AAAAC3NzaC1lZDI1NTE5AAAAIHvK',
};
const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const FILE = 'PAY_20261126_0001.txt';

describe('a payment run in the logs', () => {
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'banking-sftp', env: {} });
  });
  afterAll(() => tracing.shutdown());

  it('contains no full account number, ID number or secret, and carries trace ids inside spans', async () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ destination, level: 'debug' });
    // what the secret store does for each value it resolves
    registerSecretValue(SECRETS.sftpPassword);
    registerSecretValue(SECRETS.passphrase);
    log.info('service started');

    const traceIds: string[] = [];
    await withSpan('payment.run', { 'banking.bank': '004' }, async () => {
      traceIds.push(trace.getActiveSpan()?.spanContext().traceId ?? '');
      const run = log.child({ bank: '004', run_id: 'run-2026-11-26', originator_account: ORIGINATOR_ACCOUNT });
      run.info({ invoices: 3, total_cents: 1_250_000, value_date: '2026-11-26' }, 'payment run started');
      await withSpan('file.generate', {}, async () => {
        run.debug(
          {
            payee: {
              name: '台灣測試股份有限公司',
              account_number: PAYEE_ACCOUNTS[1],
              id_number: IDS[0],
              ubn: IDS[3],
            },
            record: { pclno: ORIGINATOR_ACCOUNT, rclno: `0000${PAYEE_ACCOUNTS[0]}`, cid: IDS[3], pid: IDS[1] },
            amount_cents: 450_000,
          },
          'ACH detail record built',
        );
        run.warn(`payee ${PAYEE_ACCOUNTS[2]} (resident certificate ${IDS[2]}) has no e-mail for the advice`);
        run.info({ file: FILE, bytes: 1_920, sha256: SHA }, 'payment file written');
      });
      await withSpan('pgp.sign_encrypt', {}, async () => {
        run.debug({ pgp: { passphrase: SECRETS.passphrase, engine: 'openpgp' } }, 'signing with our key');
        run.info('encrypt for %s with passphrase of %d chars', FILE, SECRETS.passphrase.length);
      });
      await withSpan('sftp.upload', {}, async () => {
        const error = new Error(`All configured authentication methods failed for ${SECRETS.sftpPassword}`);
        run.error(
          { err: error, config: { auth: { password: SECRETS.sftpPassword } }, attempt: 1 },
          `upload of ${FILE} failed`,
        );
        run.warn(
          `retrying with key -----BEGIN OPENSSH PRIVATE KEY-----\n${SECRETS.privateKeyBody}\n-----END OPENSSH PRIVATE KEY-----`,
        );
        run.info({ remote_path: `/incoming/${FILE}`, sha256: SHA, seconds: 1.8 }, 'uploaded');
      });
      run.info({ headers: { authorization: `Bearer ${SECRETS.apiToken}` }, to: 'treasury@example.com' }, 'mail');
    });
    log.info('idle');

    const all = raw.join('\n');
    for (const value of [
      ORIGINATOR_ACCOUNT,
      ...PAYEE_ACCOUNTS,
      ...IDS,
      ...Object.values(SECRETS),
      '456-789012', // the tail of a grouped account number is still more than 4 digits
      '345678901',
    ]) {
      expect(all, value).not.toContain(value);
    }
    // masked to the last 4, not deleted: an operator can still tell payees apart
    for (const masked of ['************8901', '******6789', '****5257', '************3322']) {
      expect(all).toContain(masked);
    }
    // what happened stays readable
    for (const kept of [FILE, SHA, '2026-11-26', '1250000', '台灣測試股份有限公司']) expect(all).toContain(kept);

    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(traceIds[0]).toMatch(/^[0-9a-f]{32}$/);
    const inRun = lines.slice(1, -1);
    expect(inRun).toHaveLength(10);
    for (const line of inRun) {
      expect(line.trace_id).toBe(traceIds[0]);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set(inRun.map((l) => l.span_id)).size).toBe(4); // run, generate, pgp, upload
    expect(lines[0]?.trace_id).toBeUndefined();
    expect(lines.at(-1)?.trace_id).toBeUndefined();
  });
});
