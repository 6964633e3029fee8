/**
 * HTTP server metrics on the real monitor app, wrapped the way main.ts wraps it: requests are counted under the
 * route pattern they matched, so an id or account number in a URL never becomes a label.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from '../src/infra/telemetry/metrics.ts';
import { httpMetricsMiddleware, metricsRoutes } from '../src/routes/metrics/metrics.index.ts';
import { createTestApp, type TestApp } from '../src/routes/test-helpers.ts';
import { openTestDatabase, type TestDatabase } from './support/db.ts';
import { metricsProblems } from './support/promtool.ts';

describe('HTTP server metrics of the monitor app', () => {
  const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'http-1' });
  let database: TestDatabase;
  let monitor: TestApp;
  let app: Hono;

  beforeAll(async () => {
    database = await openTestDatabase();
    monitor = await createTestApp(database.db, { metrics: metricsRoutes(telemetry) });
    app = new Hono();
    app.use(httpMetricsMiddleware(telemetry));
    app.route('/', monitor.app);
  });
  afterAll(async () => {
    await telemetry.shutdown();
    await database.close();
  });

  it('labels each request with its method, matched route and status (OTel semantic conventions)', async () => {
    const base = '/api/v1/banking-monitor';
    expect((await app.request(`${base}/exceptions`, { headers: monitor.as(monitor.viewer) })).status).toBe(200);
    expect((await app.request(`${base}/batches/123456789012`, { headers: monitor.as(monitor.viewer) })).status).toBe(
      404,
    );
    expect((await app.request(`${base}/batches/987654321098`, { headers: monitor.as(monitor.viewer) })).status).toBe(
      404,
    );
    expect((await app.request(`${base}/health`)).status).toBe(401);
    expect((await app.request('/no/such/page/55556666777788')).status).toBe(404);

    const res = await app.request('/metrics');
    const text = await res.text();
    const counts = text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count'));
    expect(counts).toEqual(
      expect.arrayContaining([
        'http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",url_scheme="http",http_route="/api/v1/banking-monitor/exceptions"} 1',
        'http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",url_scheme="http",http_route="/api/v1/banking-monitor/batches/:batch_id"} 2',
      ]),
    );
    // Ids from the URL never become label values.
    expect(text).not.toMatch(/123456789012|987654321098|55556666777788/);
    // Unmatched and refused requests are still counted, only without http.route.
    const unrouted = counts.filter((l) => !l.includes('http_route='));
    expect(unrouted.map((l) => Number(l.split(' ').at(-1))).reduce((a, b) => a + b, 0)).toBe(2);
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(metricsProblems(text)).toEqual([]);
  });
});
