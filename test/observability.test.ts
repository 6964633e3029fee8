/**
 * Observability end to end: a simulated day with one failing bank as seen on /metrics, the exposition and the
 * alert rules checked by the real promtool, and a log capture of a payment run free of account numbers, ID
 * numbers and secrets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/infra/telemetry/logger.ts';
import { type BankMetricsSnapshot, createTelemetry } from '../src/infra/telemetry/metrics.ts';
import { startTracing, type Tracing, withSpan } from '../src/infra/telemetry/tracing.ts';
import { metricsRoutes } from '../src/routes/metrics/metrics.index.ts';
import { promtool } from './support/promtool.ts';

const PROMETHEUS_DIR = join(import.meta.dirname, '..', 'deploy', 'prometheus');

function bankState(bank: string, overrides: Partial<BankMetricsSnapshot>): BankMetricsSnapshot {
  return {
    bank,
    consecutiveFailures: 0,
    pool: { active: 0, idle: 1, waiting: 0 },
    retryQueueSize: 0,
    retryQueueOldestAgeSeconds: 0,
    breaker: 'closed',
    pendingProcessingAgeSeconds: { batch: 0, file: 0 },
    cutoffSlackSeconds: null,
    pgpKeyExpiryDays: [{ key: 'F00DFACE12345678', days: 200 }],
    lastSuccessfulPollTimestampSeconds: 1_795_000_000,
    ...overrides,
  };
}

describe('a day with one failing bank on /metrics', () => {
  const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'obs-1' });
  afterAll(() => telemetry.shutdown());
  let text = '';

  beforeAll(async () => {
    telemetry.registerBanks(['004', '812']);
    // 06:00 payment run: bank 004 uploads fine, bank 812 refuses four connections in a row.
    telemetry.connectionAttempt('004', 'success');
    telemetry.transfer('004', 'upload', 1.8, 52_480);
    for (let i = 0; i < 4; i++) telemetry.connectionAttempt('812', 'failure');
    // Reconciliation polls for 004 through the day.
    telemetry.transfer('004', 'download', 0.4, 12_000);
    telemetry.reconciliationRecords('004', 'matched', 118);
    telemetry.reconciliationRecords('004', 'unmatched', 2);
    telemetry.setSource(() => ({
      businessDay: true,
      banks: [
        bankState('004', { pool: { active: 1, idle: 2, waiting: 0 } }),
        bankState('812', {
          consecutiveFailures: 4,
          breaker: 'open',
          pool: { active: 0, idle: 0, waiting: 0 },
          retryQueueSize: 3,
          retryQueueOldestAgeSeconds: 5_400,
          pendingProcessingAgeSeconds: { batch: 5_400, file: 0 },
          cutoffSlackSeconds: 1_200,
          lastSuccessfulPollTimestampSeconds: null,
        }),
      ],
    }));
    const res = await metricsRoutes(telemetry).request('/metrics');
    expect(res.status).toBe(200);
    text = await res.text();
  });

  it('shows the failures, the open breaker and the queued uploads of the failing bank', () => {
    for (const line of [
      'banking_sftp_connections_total{bank="812",result="failure"} 4',
      'banking_sftp_connections_total{bank="812",result="success"} 0',
      'banking_sftp_connections_total{bank="004",result="success"} 1',
      'banking_sftp_consecutive_failures{bank="812"} 4',
      'banking_sftp_consecutive_failures{bank="004"} 0',
      'banking_circuit_breaker_state{bank="812",state="open"} 1',
      'banking_circuit_breaker_state{bank="812",state="closed"} 0',
      'banking_circuit_breaker_state{bank="004",state="closed"} 1',
      'banking_retry_queue_size{bank="812"} 3',
      'banking_retry_queue_oldest_age_seconds{bank="812"} 5400',
      'banking_pending_processing_age_seconds{bank="812",kind="batch"} 5400',
      'banking_cutoff_slack_seconds{bank="812"} 1200',
      'banking_sftp_transfer_bytes_total{bank="004",direction="upload"} 52480',
      'banking_reconciliation_records_total{bank="004",result="unmatched"} 2',
      'banking_sftp_pool_connections{bank="004",state="idle"} 2',
      'banking_host_key_mismatch_total{bank="812"} 0',
      'banking_business_day 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).not.toContain('banking_last_successful_poll_timestamp_seconds{bank="812"}');
  });

  it('has every metric the Grafana dashboard and the alert rules query', () => {
    const exposed = new Set(text.split('\n').map((l) => /^# TYPE (\S+)/.exec(l)?.[1]));
    exposed.add('http_server_request_duration_seconds'); // recorded by the middleware, absent before a request
    exposed.add('banking_last_successful_poll_timestamp_seconds'); // bank 004 has it; 812 never polled
    const queried = ['deploy/grafana/banking-sftp.json', 'deploy/prometheus/alerts.yml'].flatMap((f) =>
      [
        ...readFileSync(join(import.meta.dirname, '..', f), 'utf8').matchAll(
          /\b(banking_[a-z_]+|http_server_[a-z_]+)/g,
        ),
      ].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(queried.length).toBeGreaterThan(20);
    expect([...new Set(queried)].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('passes promtool check metrics (only the spec-mandated _days unit is reported)', () => {
    const { status, output } = promtool(['check', 'metrics'], text);
    const problems = output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => l !== 'banking_pgp_key_expiry_days use base unit "seconds" instead of "days"');
    expect(problems).toEqual([]);
    expect([0, 3]).toContain(status); // 3 = lint findings only, here the one allowed above
    const withoutDays = text
      .split('\n')
      .filter((l) => !l.includes('banking_pgp_key_expiry_days'))
      .join('\n');
    expect(promtool(['check', 'metrics'], withoutDays)).toEqual({ status: 0, output: '' });
  });
});

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml')]);
    expect(output).toContain('SUCCESS: 9 rules found');
    expect(status).toBe(0);
  });

  it('pass their promtool unit tests (each alert firing and not firing)', () => {
    const tests = readdirSync(join(PROMETHEUS_DIR, 'tests'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => join(PROMETHEUS_DIR, 'tests', f));
    expect(tests.length).toBeGreaterThan(0);
    const { status, output } = promtool(['test', 'rules', ...tests]);
    expect(output).not.toContain('FAILED');
    expect(status, output).toBe(0);
  });
});

describe('a payment run in the logs', () => {
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'banking-sftp', env: {} });
  });
  afterAll(() => tracing.shutdown());

  const ACCOUNTS = ['012345678901', '0123-456-789012', '9988776655443322'];
  const TAIWAN_ID = 'A123456789';
  const SECRETS = ['hunter2-sftp-PASS', 'pgp-passphrase-Zx9', 'bsf_tok_4f6a8c0e2b', 'AAAAC3NzaC1lZDI1NTE5AAAAIHvK'];

  it('contains no full account number, ID number or secret, and carries trace ids inside spans', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ destination, level: 'debug' });
    log.info('service started');

    let traceId = '';
    await withSpan('payment.run', { 'banking.bank': '004' }, async () => {
      traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
      const run = log.child({ bank: '004', originator_account: ACCOUNTS[0] });
      run.info({ invoices: 2, totalCents: 1_250_000 }, 'payment run started for 2026-11-25');
      run.debug(
        {
          payee: { name: '台灣測試股份有限公司', account: ACCOUNTS[1], idNumber: TAIWAN_ID },
          config: { auth: { password: SECRETS[0] }, pgp: { passphrase: SECRETS[1] } },
        },
        'building ACH record',
      );
      await withSpan('pgp.sign_encrypt', {}, async () => {
        run.info(`encrypting file for payee ${ACCOUNTS[2]} (${TAIWAN_ID})`);
      });
      await withSpan('sftp.upload', {}, async () => {
        const error = new Error(`upload refused for account ${ACCOUNTS[0]}; password=${SECRETS[0]}`);
        run.error({ err: error, headers: { authorization: `Bearer ${SECRETS[2]}` } }, 'upload failed');
        run.warn(
          `retrying with key -----BEGIN OPENSSH PRIVATE KEY-----\n${SECRETS[3]}\n-----END OPENSSH PRIVATE KEY-----`,
        );
      });
      run.info({ token: SECRETS[2] }, 'confirmation mail queued');
    });
    log.info('idle');

    const all = lines.join('\n');
    for (const value of [...ACCOUNTS, TAIWAN_ID, ...SECRETS, '456-789012', '345678901']) {
      expect(all).not.toContain(value);
    }
    expect(all).toContain('********8901');
    expect(all).toContain('******6789');
    expect(all).toContain('2026-11-25'); // dates are not mistaken for account numbers

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const inRun = parsed.slice(1, -1);
    expect(inRun.length).toBe(6);
    for (const line of inRun) expect(line.trace_id).toBe(traceId);
    expect(new Set(inRun.map((l) => l.span_id)).size).toBe(3); // run, pgp, upload spans
    expect(parsed[0]?.trace_id).toBeUndefined();
    expect(parsed.at(-1)?.trace_id).toBeUndefined();
  });
});
