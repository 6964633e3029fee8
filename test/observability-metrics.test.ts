/**
 * /metrics after a day with one failing bank: the counters, breaker state and queue size an operator would look
 * at, an exposition the real `promtool check metrics` accepts, and the alert rules evaluated by promtool on that
 * very exposition (names in the rules and in the exposition cannot drift apart unnoticed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BankMetricsSnapshot, createTelemetry } from '../src/infra/telemetry/metrics.ts';
import { metricsRoutes } from '../src/routes/metrics/metrics.index.ts';
import { metricsProblems, promtool } from './support/promtool.ts';

const ROOT = join(import.meta.dirname, '..');

function bankState(bank: string, overrides: Partial<BankMetricsSnapshot> = {}): BankMetricsSnapshot {
  return {
    bank,
    consecutiveFailures: 0,
    pool: { active: 0, idle: 1, waiting: 0 },
    retryQueueSize: 0,
    retryQueueOldestAgeSeconds: 0,
    breaker: 'closed',
    pendingProcessingAgeSeconds: { batch: 0, file: 0 },
    cutoffSlackSeconds: null,
    pgpKeyExpiryDays: [{ key: 'ours:F00DFACE12345678', days: 200 }],
    lastSuccessfulPollTimestampSeconds: 1_795_000_000,
    ...overrides,
  };
}

/** The sample lines of an exposition as promtool input series (each value held for `minutes`). */
function asInputSeries(text: string, minutes: number): string {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const at = l.lastIndexOf(' ');
      return `      - series: ${JSON.stringify(l.slice(0, at))}\n        values: '${l.slice(at + 1)}x${minutes}'`;
    })
    .join('\n');
}

describe('a day with one failing bank on /metrics', () => {
  const telemetry = createTelemetry({
    serviceName: 'banking-sftp',
    instanceId: 'obs-1',
    startTime: new Date('2026-11-26T05:00:00+08:00'),
  });
  afterAll(() => telemetry.shutdown());
  let text = '';

  beforeAll(async () => {
    telemetry.registerBanks(['004', '812']);
    // 06:00 payment run: bank 004 uploads; bank 812 refuses the upload and then every 5-minute health check.
    telemetry.connectionAttempt('004', 'success');
    telemetry.transfer('004', 'upload', 1.8, 52_480);
    const failures812 = 4;
    for (let i = 0; i < failures812; i++) telemetry.connectionAttempt('812', 'failure');
    // Reconciliation polls of bank 004 through the day.
    for (const seconds of [0.4, 0.6, 0.5]) telemetry.transfer('004', 'download', seconds, 4_000);
    telemetry.reconciliationRecords('004', 'matched', 118);
    telemetry.reconciliationRecords('004', 'unmatched', 2);
    // What the actors and the ledger report at the scrape: 812's breaker opened after the third failure and its
    // batch sits in the retry queue, 20 minutes before its cutoff.
    telemetry.setSource(() => ({
      businessDay: true,
      banks: [
        bankState('004', { pool: { active: 1, idle: 2, waiting: 0 } }),
        bankState('812', {
          consecutiveFailures: failures812,
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
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await res.text();
  });

  it('shows the failures, the open breaker and the queued upload of the failing bank', () => {
    const lines = text.split('\n');
    for (const line of [
      'banking_sftp_connections_total{bank="812",result="failure"} 4',
      'banking_sftp_connections_total{bank="812",result="success"} 0',
      'banking_sftp_connections_total{bank="004",result="success"} 1',
      'banking_sftp_consecutive_failures{bank="812"} 4',
      'banking_sftp_consecutive_failures{bank="004"} 0',
      'banking_circuit_breaker_state{bank="812",state="closed"} 0',
      'banking_circuit_breaker_state{bank="812",state="open"} 1',
      'banking_circuit_breaker_state{bank="812",state="half_open"} 0',
      'banking_circuit_breaker_state{bank="004",state="closed"} 1',
      'banking_retry_queue_size{bank="812"} 3',
      'banking_retry_queue_size{bank="004"} 0',
      'banking_retry_queue_oldest_age_seconds{bank="812"} 5400',
      'banking_pending_processing_age_seconds{bank="812",kind="batch"} 5400',
      'banking_cutoff_slack_seconds{bank="812"} 1200',
      'banking_sftp_transfer_bytes_total{bank="004",direction="upload"} 52480',
      'banking_sftp_transfer_bytes_total{bank="004",direction="download"} 12000',
      'banking_sftp_transfer_duration_seconds_count{bank="004",direction="download"} 3',
      'banking_reconciliation_records_total{bank="004",result="unmatched"} 2',
      'banking_sftp_pool_connections{bank="004",state="idle"} 2',
      'banking_host_key_mismatch_total{bank="812"} 0',
      'banking_pgp_key_expiry_days{bank="004",key="ours:F00DFACE12345678"} 200',
      'banking_last_successful_poll_timestamp_seconds{bank="004"} 1795000000',
      'banking_business_day 1',
      'process_start_time_seconds 1795640400',
    ]) {
      expect(lines).toContain(line);
    }
    expect(text).not.toContain('banking_last_successful_poll_timestamp_seconds{bank="812"}');
    expect(text).toContain('# TYPE banking_sftp_transfer_duration_seconds histogram');
    expect(text).toContain('# TYPE banking_sftp_connections_total counter');
    expect(text).not.toMatch(/_total_total|_seconds_seconds|otel_scope/);
  });

  it('passes promtool check metrics (only the spec-mandated _days unit is reported)', () => {
    expect(metricsProblems(text)).toEqual([]);
    const withoutDays = text
      .split('\n')
      .filter((l) => !l.includes('banking_pgp_key_expiry_days'))
      .join('\n');
    expect(promtool(['check', 'metrics'], withoutDays)).toEqual({ status: 0, output: '' });
  });

  it('fires exactly the alerts an operator needs for the failing bank when Prometheus scrapes it', () => {
    // promtool's clock starts on Thursday 1970-01-01 08:00 Taipei: before the NoSuccessfulPoll window opens.
    const dir = mkdtempSync(join(tmpdir(), 'obs-alerts-'));
    try {
      const file = join(dir, 'scrape.test.yml');
      writeFileSync(
        file,
        [
          'rule_files:',
          `  - ${JSON.stringify(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'))}`,
          'evaluation_interval: 1m',
          'tests:',
          '  - interval: 1m',
          '    input_series:',
          asInputSeries(text.replaceAll('{', '{instance="obs-1",job="banking-sftp",'), 30),
          '    promql_expr_test:',
          '      - expr: count by (alertname, bank, kind) (ALERTS{alertstate="firing"})',
          '        eval_time: 10m',
          '        exp_samples:',
          ...[
            '{alertname="BankConnectionFailures",bank="812"}',
            '{alertname="BankDown",bank="812"}',
            '{alertname="CutoffAtRisk",bank="812"}',
            '{alertname="ProcessingDelay",bank="812",kind="batch"}',
          ].map((labels) => `          - labels: '${labels}'\n            value: 1`),
          '',
        ].join('\n'),
      );
      const { status, output } = promtool(['test', 'rules', file]);
      expect(output).toContain('SUCCESS');
      expect(status, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has every metric the Grafana dashboard and the alert rules query', () => {
    const exposed = new Set(text.split('\n').map((l) => /^# TYPE (\S+)/.exec(l)?.[1]));
    exposed.add('http_server_request_duration_seconds'); // recorded by the middleware, absent before a request
    const queried = ['deploy/grafana/banking-sftp.json', 'deploy/prometheus/alerts.yml'].flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\b(banking_[a-z_]+|http_server_[a-z_]+|process_[a-z_]+)/g)]
        .map((m) => m[1] ?? '')
        .map((name) => name.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(queried.length).toBeGreaterThan(20);
    expect([...new Set(queried)].filter((name) => !exposed.has(name))).toEqual([]);
  });
});
