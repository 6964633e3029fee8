import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, withSpan } from './tracing.ts';

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'banking-sftp', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.shutdown());

  it('nests spans and keeps their attributes', async () => {
    const result = await withSpan('payment.run', { 'banking.run_id': 7 }, () =>
      withSpan('payment.upload', { 'banking.bank': '004' }, async () => 'uploaded'),
    );
    expect(result).toBe('uploaded');
    const [upload, run] = exporter.getFinishedSpans();
    expect(run?.name).toBe('payment.run');
    expect(upload?.name).toBe('payment.upload');
    expect(upload?.attributes['banking.bank']).toBe('004');
    expect(upload?.spanContext().traceId).toBe(run?.spanContext().traceId);
    expect(upload?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
  });

  it('marks a failed span as error without copying the message, which may carry an account number', async () => {
    exporter.reset();
    await expect(
      withSpan('pgp.encrypt', {}, () => {
        throw new TypeError('no key for account 012345678901');
      }),
    ).rejects.toThrow(TypeError);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(2);
    expect(JSON.stringify(span?.events)).not.toContain('012345678901');
    expect(span?.events[0]?.attributes?.['exception.type']).toBe('TypeError');
  });

  it('only exports over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const local = await startTracing({ serviceName: 'banking-sftp', env: {} });
    expect(local.exporting).toBe(false);
    await local.shutdown();
    const otlp = await startTracing({
      serviceName: 'banking-sftp',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    });
    expect(otlp.exporting).toBe(true);
    await otlp.shutdown();
  });
});
