import { afterEach, describe, expect, it } from 'vitest';
import { type BankMetricsSnapshot, createTelemetry, type Telemetry } from './metrics.ts';

function bank(overrides: Partial<BankMetricsSnapshot> = {}): BankMetricsSnapshot {
  return {
    bank: '004',
    consecutiveFailures: 0,
    pool: { active: 0, idle: 1, waiting: 0 },
    retryQueueSize: 0,
    retryQueueOldestAgeSeconds: 0,
    breaker: 'closed',
    pendingProcessingAgeSeconds: { batch: 0, file: 0 },
    cutoffSlackSeconds: null,
    pgpKeyExpiryDays: [],
    lastSuccessfulPollTimestampSeconds: null,
    ...overrides,
  };
}

/** Sample lines `name{labels} value` of one metric family. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('createTelemetry', () => {
  let telemetry: Telemetry;
  afterEach(() => telemetry.shutdown());

  it('exposes counters under the exact names of the spec, without a second _total or unit suffix', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    telemetry.connectionAttempt('004', 'failure');
    telemetry.connectionAttempt('004', 'failure');
    telemetry.transfer('004', 'upload', 2, 4096);
    telemetry.hostKeyMismatch('812');
    telemetry.reconciliationRecords('004', 'unmatched', 3);
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_sftp_connections_total')).toEqual([
      'banking_sftp_connections_total{bank="004",result="failure"} 2',
    ]);
    expect(samples(text, 'banking_sftp_transfer_bytes_total')).toEqual([
      'banking_sftp_transfer_bytes_total{bank="004",direction="upload"} 4096',
    ]);
    expect(text).toContain('banking_sftp_transfer_duration_seconds_bucket{bank="004",direction="upload",le="2.5"} 1');
    expect(text).toContain('banking_sftp_transfer_duration_seconds_sum{bank="004",direction="upload"} 2');
    expect(samples(text, 'banking_host_key_mismatch_total')).toEqual(['banking_host_key_mismatch_total{bank="812"} 1']);
    expect(samples(text, 'banking_reconciliation_records_total')).toEqual([
      'banking_reconciliation_records_total{bank="004",result="unmatched"} 3',
    ]);
    expect(text).not.toMatch(/_total_total|otel_scope_name/);
  });

  it('starts the counters of registered banks at 0 so the first failure is an increase', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    telemetry.registerBanks(['004']);
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_sftp_connections_total')).toEqual([
      'banking_sftp_connections_total{bank="004",result="success"} 0',
      'banking_sftp_connections_total{bank="004",result="failure"} 0',
    ]);
    expect(samples(text, 'banking_host_key_mismatch_total')).toEqual(['banking_host_key_mismatch_total{bank="004"} 0']);
    expect(samples(text, 'banking_reconciliation_records_total')).toHaveLength(4);
  });

  it('reads gauges from the latest snapshot at each scrape', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    let current = bank({ consecutiveFailures: 1, breaker: 'closed' });
    telemetry.setSource(async () => ({ banks: [current], businessDay: true }));
    expect(samples(await telemetry.collectPrometheusText(), 'banking_circuit_breaker_state')).toEqual([
      'banking_circuit_breaker_state{bank="004",state="closed"} 1',
      'banking_circuit_breaker_state{bank="004",state="open"} 0',
      'banking_circuit_breaker_state{bank="004",state="half_open"} 0',
    ]);

    current = bank({
      consecutiveFailures: 4,
      breaker: 'half_open',
      pool: { active: 2, idle: 0, waiting: 3 },
      retryQueueSize: 7,
      retryQueueOldestAgeSeconds: 900,
      pendingProcessingAgeSeconds: { batch: 1200, file: 0 },
      cutoffSlackSeconds: -60,
      pgpKeyExpiryDays: [{ key: 'ABCD1234', days: 9 }],
      lastSuccessfulPollTimestampSeconds: 1_795_000_000,
    });
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_sftp_consecutive_failures')).toEqual([
      'banking_sftp_consecutive_failures{bank="004"} 4',
    ]);
    expect(samples(text, 'banking_circuit_breaker_state')).toContain(
      'banking_circuit_breaker_state{bank="004",state="half_open"} 1',
    );
    expect(samples(text, 'banking_sftp_pool_connections')).toEqual([
      'banking_sftp_pool_connections{bank="004",state="active"} 2',
      'banking_sftp_pool_connections{bank="004",state="idle"} 0',
      'banking_sftp_pool_connections{bank="004",state="waiting"} 3',
    ]);
    expect(samples(text, 'banking_retry_queue_size')).toEqual(['banking_retry_queue_size{bank="004"} 7']);
    expect(samples(text, 'banking_retry_queue_oldest_age_seconds')).toEqual([
      'banking_retry_queue_oldest_age_seconds{bank="004"} 900',
    ]);
    expect(samples(text, 'banking_pending_processing_age_seconds')).toEqual([
      'banking_pending_processing_age_seconds{bank="004",kind="batch"} 1200',
      'banking_pending_processing_age_seconds{bank="004",kind="file"} 0',
    ]);
    expect(samples(text, 'banking_cutoff_slack_seconds')).toEqual(['banking_cutoff_slack_seconds{bank="004"} -60']);
    expect(samples(text, 'banking_pgp_key_expiry_days')).toEqual([
      'banking_pgp_key_expiry_days{bank="004",key="ABCD1234"} 9',
    ]);
    expect(samples(text, 'banking_last_successful_poll_timestamp_seconds')).toEqual([
      'banking_last_successful_poll_timestamp_seconds{bank="004"} 1795000000',
    ]);
    expect(samples(text, 'banking_business_day')).toEqual(['banking_business_day 1']);
  });

  it('leaves out series whose value is unknown (no cutoff pending, never polled)', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    telemetry.setSource(() => ({ banks: [bank()] }));
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_cutoff_slack_seconds')).toEqual([]);
    expect(samples(text, 'banking_last_successful_poll_timestamp_seconds')).toEqual([]);
    expect(samples(text, 'banking_business_day')).toEqual([]);
  });

  it('drops the cutoff series once the batch is uploaded, so the alert clears', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    let slack: number | null = 600;
    telemetry.setSource(() => ({ banks: [bank({ cutoffSlackSeconds: slack })] }));
    expect(samples(await telemetry.collectPrometheusText(), 'banking_cutoff_slack_seconds')).toHaveLength(1);
    slack = null;
    expect(samples(await telemetry.collectPrometheusText(), 'banking_cutoff_slack_seconds')).toEqual([]);
  });

  it('reports a failing source instead of exporting stale gauges', async () => {
    const errors: unknown[] = [];
    telemetry = createTelemetry({
      serviceName: 'banking-sftp',
      instanceId: 't1',
      onSourceError: (e) => errors.push(e),
    });
    let fail = false;
    telemetry.setSource(() => {
      if (fail) throw new Error('database unreachable');
      return { banks: [bank({ breaker: 'closed' })] };
    });
    expect(samples(await telemetry.collectPrometheusText(), 'banking_metrics_source_up')).toEqual([
      'banking_metrics_source_up 1',
    ]);
    fail = true;
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_metrics_source_up')).toEqual(['banking_metrics_source_up 0']);
    expect(samples(text, 'banking_circuit_breaker_state')).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('gives up on a source that does not answer', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1', sourceTimeoutMs: 20 });
    telemetry.setSource(() => new Promise(() => {}));
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'banking_metrics_source_up')).toEqual(['banking_metrics_source_up 0']);
  });

  it('records HTTP requests with the semantic-convention attributes', async () => {
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 't1' });
    telemetry.httpRequest('get', '/api/v1/banks/:code', 200, 0.02);
    telemetry.httpRequest('PROPFIND', undefined, 404, 0.001);
    telemetry.httpRequest('POST', '/api/v1/batches/:id/redate', 503, 0.3, 'https');
    const text = await telemetry.collectPrometheusText();
    expect(text).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",url_scheme="http",http_route="/api/v1/banks/:code"} 1',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",url_scheme="http",http_route="/api/v1/banks/:code",le="0.025"} 1',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_count{http_request_method="_OTHER",http_response_status_code="404",url_scheme="http"} 1',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="503",url_scheme="https",http_route="/api/v1/batches/:id/redate",error_type="503"} 1',
    );
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(text).toContain('target_info{service_name="banking-sftp",service_instance_id="t1"} 1');
  });

  it('exports the process start time, from which NoSuccessfulPoll counts after a restart', async () => {
    telemetry = createTelemetry({
      serviceName: 'banking-sftp',
      instanceId: 't1',
      startTime: new Date('2026-11-26T05:00:00+08:00'),
    });
    const text = await telemetry.collectPrometheusText();
    expect(samples(text, 'process_start_time_seconds')).toEqual(['process_start_time_seconds 1795640400']);
  });
});

describe('runtime and security metrics', () => {
  it('export memory, CPU, event-loop and lockout series that promtool accepts', async () => {
    const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'test' });
    try {
      telemetry.authLockout();
      telemetry.notificationFailure('email');
      await new Promise<void>((resolve) => setImmediate(resolve));
      const text = await telemetry.collectPrometheusText();
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toMatch(/^process_cpu_seconds_total [\d.]+/m);
      expect(text).toMatch(/^nodejs_heap_used_bytes \d+/m);
      expect(text).toMatch(/^nodejs_eventloop_utilization_ratio [\d.e-]+/m);
      expect(text).toContain('banking_auth_lockouts_total 1');
      expect(text).toContain('banking_notification_failures_total{channel="email"} 1');
      expect(text).toContain('banking_notification_failures_total{channel="webhook"} 0');
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe('PGP key expiry', () => {
  it('exports a key that never expires as +Inf, so every key has a series', async () => {
    const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'test' });
    try {
      telemetry.setSource(() => ({
        banks: [
          {
            bank: '004',
            consecutiveFailures: 0,
            pool: { active: 0, idle: 0, waiting: 0 },
            retryQueueSize: 0,
            retryQueueOldestAgeSeconds: 0,
            breaker: 'closed',
            pendingProcessingAgeSeconds: { batch: 0, file: 0 },
            cutoffSlackSeconds: null,
            pgpKeyExpiryDays: [
              { key: 'ours:AAAA', days: 200 },
              { key: 'bank:BBBB', days: Number.POSITIVE_INFINITY },
            ],
            lastSuccessfulPollTimestampSeconds: null,
          },
        ],
      }));
      const text = await telemetry.collectPrometheusText();
      expect(text).toContain('banking_pgp_key_expiry_days{bank="004",key="ours:AAAA"} 200');
      expect(text).toContain('banking_pgp_key_expiry_days{bank="004",key="bank:BBBB"} +Inf');
    } finally {
      await telemetry.shutdown();
    }
  });
});
