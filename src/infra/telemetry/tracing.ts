/**
 * Traces: spans for payment runs, file generation, PGP, uploads, downloads and reconciliation.
 * `withSpan` only uses @opentelemetry/api, so code can call it whether or not tracing was started (the API is a
 * no-op then). `startTracing()` registers the SDK: spans are exported over OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise spans are still created (not exported) so that log lines of one
 * payment run share a trace_id.
 *
 * @example
 *   const tracing = await startTracing({ serviceName: 'banking-sftp' });
 *   await withSpan('payment.upload', { 'banking.bank': '004', 'banking.batch_id': 17 }, () => upload(batch));
 *   await tracing.shutdown();
 */
import { type Attributes, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

const TRACER_NAME = 'banking-sftp';

/** Runs `fn` inside a span named `name`; the span records an exception and error status when `fn` throws. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T> | T): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      // Only the error's class goes to the span: messages may carry account numbers and traces leave the bank.
      span.recordException({ name: error instanceof Error ? error.name : 'Error' });
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

export interface TracingOptions {
  serviceName: string;
  instanceId?: string;
  /** Defaults to process.env; tracing exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  env?: Record<string, string | undefined>;
  /** Replaces the exporter choice (tests pass an in-memory exporter's processor). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans leave the process over OTLP. */
  exporting: boolean;
  shutdown(): Promise<void>;
}

export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const env = options.env ?? process.env;
  const exporting = options.spanProcessors === undefined && Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  let spanProcessors = options.spanProcessors ?? [new NoopSpanProcessor()];
  if (exporting) {
    // Loaded only when needed: the OTLP exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers) itself.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resourceFromAttributes(
      options.instanceId === undefined ? {} : { 'service.instance.id': options.instanceId },
    ),
    spanProcessors,
    // Metrics are served by our own Prometheus reader and logs go to stdout: stop the SDK defaulting both to OTLP.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  return {
    exporting,
    shutdown: () => sdk.shutdown(),
  };
}
