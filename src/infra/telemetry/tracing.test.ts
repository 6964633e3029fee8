import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTraceId, otlpTracesUrl, startTracing, type Tracing, withSpan } from './tracing.ts';

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'banking-sftp', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.shutdown());

  it('nests spans and keeps their attributes', async () => {
    exporter.reset();
    let inner: string | undefined;
    const result = await withSpan('payment.run', { 'banking.run_id': 7 }, () =>
      withSpan('payment.upload', { 'banking.bank': '004' }, async () => {
        inner = currentTraceId();
        return 'uploaded';
      }),
    );
    expect(result).toBe('uploaded');
    expect(currentTraceId()).toBeUndefined();
    const [upload, run] = exporter.getFinishedSpans();
    expect(run?.name).toBe('payment.run');
    expect(upload?.name).toBe('payment.upload');
    expect(upload?.attributes['banking.bank']).toBe('004');
    expect(upload?.spanContext().traceId).toBe(run?.spanContext().traceId);
    expect(inner).toBe(run?.spanContext().traceId);
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
});

describe('OTLP export', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT, on with it or the traces-only variable', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' })).toBe('http://c:4318/custom');
  });

  it('sends the spans of a payment run to the collector named by OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const received: { path: string | undefined; body: string }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        received.push({ path: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const tracing = await startTracing({
        serviceName: 'banking-sftp',
        instanceId: 'otlp-1',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      expect(tracing.exporting).toBe(true);
      await withSpan('payment.run', { 'banking.bank': '004' }, () => withSpan('sftp.upload', {}, async () => {}));
      await tracing.shutdown(); // flushes the batch
      expect(received.map((r) => r.path)).toContain('/v1/traces');
      const body = received.map((r) => r.body).join('\n');
      expect(body).toContain('payment.run');
      expect(body).toContain('sftp.upload');
      expect(body).toContain('otlp-1');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
