/**
 * The telemetry modules under Deno 2 (the service also runs as `deno task start`): metrics exposition through the
 * Hono route, spans through the OTel SDK, masked log lines carrying the trace id. A small script is run by the
 * project's own Deno binary with the project's deno.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

const SCRIPT = `
import { Writable } from 'node:stream';
import { createLogger } from ${module('src/infra/telemetry/logger.ts')};
import { createTelemetry } from ${module('src/infra/telemetry/metrics.ts')};
import { currentTraceId, startTracing, withSpan } from ${module('src/infra/telemetry/tracing.ts')};
import { metricsRoutes } from ${module('src/routes/metrics/metrics.index.ts')};

const logs = [];
const log = createLogger({ destination: new Writable({ write(c, _e, done) { logs.push(String(c).trim()); done(); } }) });
const tracing = await startTracing({ serviceName: 'banking-sftp', env: {} });
let traceId = '';
await withSpan('payment.upload', { 'banking.bank': '812' }, async () => {
  traceId = currentTraceId() ?? '';
  log.warn({ account_number: '012345678901' }, 'upload refused');
});
const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'deno-1' });
telemetry.connectionAttempt('812', 'failure');
telemetry.setSource(() => ({ banks: [{
  bank: '812', consecutiveFailures: 4, pool: { active: 0, idle: 0, waiting: 0 }, retryQueueSize: 3,
  retryQueueOldestAgeSeconds: 60, breaker: 'open', pendingProcessingAgeSeconds: { batch: 60, file: 0 },
  cutoffSlackSeconds: null, pgpKeyExpiryDays: [], lastSuccessfulPollTimestampSeconds: null,
}] }));
const res = await metricsRoutes(telemetry).request('/metrics');
const metrics = await res.text();
console.log(JSON.stringify({ runtime: typeof Deno, status: res.status, type: res.headers.get('content-type'), metrics, logs, traceId }));
await telemetry.shutdown();
await tracing.shutdown();
`;

describe('telemetry under Deno', () => {
  const dir = mkdtempSync(join(tmpdir(), 'obs-deno-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the exposition and writes masked log lines with trace ids', () => {
    const script = join(dir, 'telemetry-smoke.ts');
    writeFileSync(script, SCRIPT);
    const result = spawnSync(
      join(ROOT, 'node_modules', 'deno', 'bin.cjs'),
      ['run', '-A', '--config', join(ROOT, 'deno.json'), script],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      runtime: string;
      status: number;
      type: string;
      metrics: string;
      logs: string[];
      traceId: string;
    };
    expect(out.runtime).toBe('object');
    expect(out.status).toBe(200);
    expect(out.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = out.metrics.split('\n');
    expect(lines).toContain('banking_sftp_connections_total{bank="812",result="failure"} 1');
    expect(lines).toContain('banking_circuit_breaker_state{bank="812",state="open"} 1');
    expect(lines).toContain('banking_retry_queue_size{bank="812"} 3');
    expect(out.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(out.logs).toHaveLength(1);
    const line = JSON.parse(out.logs[0] ?? '{}') as Record<string, unknown>;
    expect(line.trace_id).toBe(out.traceId);
    expect(line.account_number).toBe('********8901');
  });
});
