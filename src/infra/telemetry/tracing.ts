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
import { type Attributes, context, isSpanContextValid, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
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

/** Trace id of the active span (to quote in an error answer or a report), undefined outside a span. */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}

export interface TracingOptions {
  serviceName: string;
  instanceId?: string;
  /**
   * Defaults to process.env; spans are exported only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Headers (OTEL_EXPORTER_OTLP_HEADERS) are read by the exporter.
   */
  env?: Record<string, string | undefined>;
  /** Replaces the exporter choice (tests pass an in-memory exporter's processor). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans leave the process over OTLP. */
  exporting: boolean;
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL the OTel environment variables name, or undefined when tracing stays local. */
export function otlpTracesUrl(env: Record<string, string | undefined>): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const env = options.env ?? process.env;
  const url = options.spanProcessors === undefined ? otlpTracesUrl(env) : undefined;
  let spanProcessors = options.spanProcessors ?? [new NoopSpanProcessor()];
  if (url !== undefined) {
    // Loaded only when needed, so a service without a collector never loads the exporter.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter({ url }))];
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
    exporting: url !== undefined,
    async shutdown() {
      await sdk.shutdown(); // flushes the spans still batched
      // Unregister the globals so tracing can be started again in the same process (tests, CLI commands).
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
