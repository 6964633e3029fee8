/**
 * The gauges of a `MetricsSnapshot` as OTel metric data, produced fresh at each scrape. SDK observable gauges
 * are not used: with cumulative temporality they keep re-exporting a series after it stops being observed,
 * so a cutoff slack would stay "at risk" after the batch was uploaded and a failing source would look healthy.
 */
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type GaugeMetricData } from '@opentelemetry/sdk-metrics';
import { BREAKER_STATES, type MetricsSnapshot } from './metrics-snapshot.ts';

const HELP: Record<string, string> = {
  process_start_time_seconds: 'Start time of the process since unix epoch in seconds.',
  banking_metrics_source_up: '1 if the last scrape could read the system state, else 0.',
  banking_business_day: '1 if today (Asia/Taipei) is a business day, else 0.',
  banking_sftp_consecutive_failures: 'Consecutive connection or transfer failures since the last success.',
  banking_sftp_pool_connections: 'SFTP pool connections by state.',
  banking_retry_queue_size: 'Entries waiting in the retry queue.',
  banking_retry_queue_oldest_age_seconds: 'Age of the oldest retry-queue entry.',
  banking_circuit_breaker_state: 'Circuit breaker state: 1 for the current state.',
  banking_pending_processing_age_seconds:
    'Age of the oldest batch (kind=batch) or downloaded file (kind=file) waiting to be processed.',
  banking_cutoff_slack_seconds:
    "Seconds left before the bank's cutoff for the oldest batch not yet uploaded (negative once missed).",
  banking_pgp_key_expiry_days: 'Days until a PGP key expires (negative once expired, +Inf when it never expires).',
  banking_last_successful_poll_timestamp_seconds: 'Unix time of the last successful reconciliation poll.',
};

export function snapshotGauges(
  snapshot: MetricsSnapshot,
  sourceUp: boolean,
  time: HrTime,
  startTimeSeconds: number,
): GaugeMetricData[] {
  const points = new Map<string, { attributes: Attributes; value: number }[]>(Object.keys(HELP).map((n) => [n, []]));
  const add = (name: string, value: number, attributes: Attributes = {}) =>
    points.get(name)?.push({ attributes, value });

  add('process_start_time_seconds', startTimeSeconds);
  add('banking_metrics_source_up', sourceUp ? 1 : 0);
  if (snapshot.businessDay !== undefined) add('banking_business_day', snapshot.businessDay ? 1 : 0);
  for (const b of snapshot.banks) {
    const bank = { bank: b.bank };
    add('banking_sftp_consecutive_failures', b.consecutiveFailures, bank);
    for (const state of ['active', 'idle', 'waiting'] as const) {
      add('banking_sftp_pool_connections', b.pool[state], { ...bank, state });
    }
    add('banking_retry_queue_size', b.retryQueueSize, bank);
    add('banking_retry_queue_oldest_age_seconds', b.retryQueueOldestAgeSeconds, bank);
    for (const state of BREAKER_STATES) {
      add('banking_circuit_breaker_state', b.breaker === state ? 1 : 0, { ...bank, state });
    }
    add('banking_pending_processing_age_seconds', b.pendingProcessingAgeSeconds.batch, { ...bank, kind: 'batch' });
    add('banking_pending_processing_age_seconds', b.pendingProcessingAgeSeconds.file, { ...bank, kind: 'file' });
    if (b.cutoffSlackSeconds !== null) add('banking_cutoff_slack_seconds', b.cutoffSlackSeconds, bank);
    for (const k of b.pgpKeyExpiryDays) add('banking_pgp_key_expiry_days', k.days, { ...bank, key: k.key });
    if (b.lastSuccessfulPollTimestampSeconds !== null) {
      add('banking_last_successful_poll_timestamp_seconds', b.lastSuccessfulPollTimestampSeconds, bank);
    }
  }

  const metrics: GaugeMetricData[] = [];
  for (const [name, list] of points) {
    if (list.length === 0) continue;
    metrics.push({
      descriptor: { name, description: HELP[name] ?? '', unit: '', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: list.map((p) => ({ startTime: time, endTime: time, attributes: p.attributes, value: p.value })),
    });
  }
  return metrics;
}
