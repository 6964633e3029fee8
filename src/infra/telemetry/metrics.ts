/**
 * The service's metrics: an OpenTelemetry MeterProvider read by a Prometheus exporter that never opens its own
 * port (`preventServerStart`), so the same exposition is served by Hono on the API port under Node and Deno.
 * Counters and histograms are recorded where things happen; gauges come from a `MetricsSource` snapshot read at
 * each scrape by a MetricProducer (which, unlike observable callbacks, may await and drops vanished series).
 *
 * @example
 *   const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: hostname() });
 *   telemetry.connectionAttempt('004', 'failure');
 *   telemetry.setSource(() => snapshotFromSystem());
 *   const text = await telemetry.collectPrometheusText();
 */
import type { Attributes } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { registerRuntimeMetrics } from './metrics-runtime.ts';
import type { MetricsSnapshot, MetricsSource } from './metrics-snapshot.ts';
import { snapshotGauges } from './snapshot-gauges.ts';

export type { BankMetricsSnapshot, BreakerState, MetricsSnapshot, MetricsSource } from './metrics-snapshot.ts';

export type TransferDirection = 'upload' | 'download';
export type ReconciliationResult = 'matched' | 'unmatched' | 'mismatch' | 'duplicate';
const RECONCILIATION_RESULTS: readonly ReconciliationResult[] = ['matched', 'unmatched', 'mismatch', 'duplicate'];

export interface TelemetryOptions {
  serviceName: string;
  instanceId: string;
  /** How long a scrape waits for the snapshot source before exporting without gauges (default 5000 ms). */
  sourceTimeoutMs?: number;
  /** Told when the snapshot source fails or times out (pino's logger fits). */
  onSourceError?: (error: unknown) => void;
  /** Exported as `process_start_time_seconds` (default: now); NoSuccessfulPoll counts from it after a restart. */
  startTime?: Date;
}

export interface Telemetry {
  connectionAttempt(bank: string, result: 'success' | 'failure'): void;
  transfer(bank: string, direction: TransferDirection, seconds: number, bytes: number): void;
  hostKeyMismatch(bank: string): void;
  reconciliationRecords(bank: string, result: ReconciliationResult, count: number): void;
  /**
   * One HTTP request served; `route` is the matched pattern (never the raw path), undefined when none matched.
   * Recorded as http.server.request.duration with the semantic-convention attributes (a 5xx adds error.type).
   */
  httpRequest(method: string, route: string | undefined, status: number, seconds: number, scheme?: string): void;
  /** A client was locked out after too many bad monitor tokens. */
  authLockout(): void;
  /** A notice (email or webhook) could not be delivered on this attempt. */
  notificationFailure(channel: 'email' | 'webhook'): void;
  /**
   * Starts every counter series of these banks at 0, so `increase()` in the alert rules also sees the first
   * event (a series that appears already at 1 looks like no increase to Prometheus).
   */
  registerBanks(banks: readonly string[]): void;
  setSource(source: MetricsSource): void;
  /** Prometheus text exposition (format 0.0.4), gauges read from the source now. */
  collectPrometheusText(): Promise<string>;
  shutdown(): Promise<void>;
}

/** Content type of `collectPrometheusText()`. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
// Semantic-convention advice for http.server.request.duration.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
// A payment file upload over a bank's VPN takes from a fraction of a second up to minutes.
const TRANSFER_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

function hrNow(): [number, number] {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({
    'service.name': options.serviceName,
    'service.instance.id': options.instanceId,
  });
  const startSeconds = Math.floor((options.startTime ?? new Date()).getTime() / 1000);
  const gauges: MetricProducer = {
    async collect() {
      const { snapshot, ok } = await readSource();
      const metrics = snapshotGauges(snapshot, ok, hrNow(), startSeconds);
      return {
        resourceMetrics: { resource, scopeMetrics: [{ scope: { name: 'banking-sftp' }, metrics }] },
        errors: [],
      };
    },
  };
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    metricProducers: [gauges],
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const provider = new MeterProvider({
    resource,
    readers: [exporter],
    // Prometheus names carry the unit; OTLP consumers see the semantic-convention name.
    views: [{ instrumentName: 'http.server.request.duration', name: 'http_server_request_duration_seconds' }],
  });
  const meter = provider.getMeter('banking-sftp');

  // Names already end in _total: the exporter only appends it when missing, so they are exposed unchanged.
  const connections = meter.createCounter('banking_sftp_connections_total', {
    description: 'SFTP connection attempts by result.',
  });
  const transferDuration = meter.createHistogram('banking_sftp_transfer_duration_seconds', {
    description: 'Duration of one SFTP file transfer.',
    unit: 's',
    advice: { explicitBucketBoundaries: TRANSFER_BUCKETS },
  });
  const transferBytes = meter.createCounter('banking_sftp_transfer_bytes_total', {
    description: 'Bytes transferred over SFTP.',
  });
  const hostKeyMismatches = meter.createCounter('banking_host_key_mismatch_total', {
    description: "Connections refused because the server's host key did not match the pinned SHA-256.",
  });
  const reconciliation = meter.createCounter('banking_reconciliation_records_total', {
    description: 'Reconciliation records by matching result.',
  });
  const httpDuration = meter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: HTTP_BUCKETS },
  });

  const lockouts = meter.createCounter('banking_auth_lockouts_total', {
    description: 'Clients locked out of the monitor API after too many bad tokens.',
  });
  lockouts.add(0);
  const notificationFailures = meter.createCounter('banking_notification_failures_total', {
    description: 'Delivery attempts of notices (email, webhook) that failed; each is retried with backoff.',
  });
  for (const channel of ['email', 'webhook']) notificationFailures.add(0, { channel });
  const stopRuntime = registerRuntimeMetrics(meter);

  let source: MetricsSource | null = null;
  const timeoutMs = options.sourceTimeoutMs ?? 5_000;
  async function readSource(): Promise<{ snapshot: MetricsSnapshot; ok: boolean }> {
    if (!source) return { snapshot: { banks: [] }, ok: true };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`metrics source did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return { snapshot: await Promise.race([Promise.resolve().then(source), timeout]), ok: true };
    } catch (error) {
      // A stale snapshot would hide an outage (an old "closed" breaker): export no bank gauges and say so instead.
      options.onSourceError?.(error);
      return { snapshot: { banks: [] }, ok: false };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    connectionAttempt: (bank, result) => connections.add(1, { bank, result }),
    transfer(bank, direction, seconds, bytes) {
      transferDuration.record(seconds, { bank, direction });
      transferBytes.add(bytes, { bank, direction });
    },
    hostKeyMismatch: (bank) => hostKeyMismatches.add(1, { bank }),
    reconciliationRecords: (bank, result, count) => reconciliation.add(count, { bank, result }),
    httpRequest(method, route, status, seconds, scheme = 'http') {
      const upper = method.toUpperCase();
      const attributes: Attributes = {
        'http.request.method': HTTP_METHODS.has(upper) ? upper : '_OTHER',
        'http.response.status_code': status,
        'url.scheme': scheme,
      };
      if (route !== undefined) attributes['http.route'] = route;
      // Semantic conventions: a server error is typed by its status code.
      if (status >= 500) attributes['error.type'] = String(status);
      httpDuration.record(seconds, attributes);
    },
    authLockout: () => lockouts.add(1),
    notificationFailure: (channel) => notificationFailures.add(1, { channel }),
    registerBanks(banks) {
      for (const bank of banks) {
        for (const result of ['success', 'failure'] as const) connections.add(0, { bank, result });
        for (const direction of ['upload', 'download'] as const) transferBytes.add(0, { bank, direction });
        hostKeyMismatches.add(0, { bank });
        for (const result of RECONCILIATION_RESULTS) reconciliation.add(0, { bank, result });
      }
    },
    setSource(next) {
      source = next;
    },
    async collectPrometheusText() {
      const { resourceMetrics, errors } = await exporter.collect();
      for (const error of errors) options.onSourceError?.(error);
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => {
      stopRuntime();
      return provider.shutdown();
    },
  };
}
