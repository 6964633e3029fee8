import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createTelemetry } from '../../infra/telemetry/metrics.ts';
import { httpMetricsMiddleware, metricsRoutes } from './metrics.index.ts';

describe('metricsRoutes', () => {
  const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'r1' });
  afterAll(() => telemetry.shutdown());

  it('serves the Prometheus text format at GET /metrics', async () => {
    telemetry.connectionAttempt('004', 'success');
    const res = await metricsRoutes(telemetry).request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('banking_sftp_connections_total{bank="004",result="success"} 1');
  });
});

describe('httpMetricsMiddleware', () => {
  it('labels requests with the matched route pattern, not the raw path', async () => {
    type Call = [string, string | undefined, number, number, string?];
    const calls: Call[] = [];
    let clock = 0;
    const recorder = { httpRequest: (...args: Call) => calls.push(args) };
    const api = new Hono();
    api.get('/banks/:code', (c) => {
      clock += 40;
      return c.json({ code: c.req.param('code') });
    });
    api.post('/banks/:code/fail', () => {
      throw new Error('boom');
    });
    // The way the lead wraps createApp(): middleware on an outer app, the app mounted under it.
    const outer = new Hono();
    outer.use(httpMetricsMiddleware(recorder, () => clock));
    outer.route('/api/v1', api);
    outer.onError((_error, c) => c.text('internal error', 500));

    expect((await outer.request('/api/v1/banks/004')).status).toBe(200);
    expect((await outer.request('/api/v1/banks/812')).status).toBe(200);
    expect((await outer.request('/api/v1/banks/004/fail', { method: 'POST' })).status).toBe(500);
    expect((await outer.request('/nope/123456789012')).status).toBe(404);

    expect(calls).toEqual([
      ['GET', '/api/v1/banks/:code', 200, 0.04, 'http'],
      ['GET', '/api/v1/banks/:code', 200, 0.04, 'http'],
      ['POST', '/api/v1/banks/:code/fail', 500, 0, 'http'],
      ['GET', undefined, 404, 0, 'http'],
    ]);
  });
});
