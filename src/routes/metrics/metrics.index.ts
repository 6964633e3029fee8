/**
 * GET /metrics (Prometheus text format) and the middleware that measures every HTTP request by its route pattern.
 * Mount both in the app: the middleware first, so it sees every request.
 *
 * @example
 *   const outer = new Hono();
 *   outer.use(httpMetricsMiddleware(telemetry));
 *   outer.route('/', createApp({ ...deps, metrics: metricsRoutes(telemetry) }));
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { PROMETHEUS_CONTENT_TYPE, type Telemetry } from '../../infra/telemetry/metrics.ts';

export function metricsRoutes(telemetry: Pick<Telemetry, 'collectPrometheusText'>): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const text = await telemetry.collectPrometheusText();
    return c.body(text, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
  });
  return app;
}

/**
 * Records http.server.request.duration with the matched pattern (`/api/v1/banks/:code`), never the raw path: an
 * account number or token in a URL must not become a label, and one series per distinct path would grow without
 * bound. A request no route matched (404) has no http.route.
 */
export function httpMetricsMiddleware(
  telemetry: Pick<Telemetry, 'httpRequest'>,
  now: () => number = () => performance.now(),
): MiddlewareHandler {
  return async (c, next) => {
    const started = now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      // After next() routePath names the last handler that ran; a wildcard there means only middleware matched.
      const route = c.req.routePath;
      const matched = route !== '' && !route.endsWith('*');
      const scheme = c.req.url.startsWith('https:') ? 'https' : 'http';
      telemetry.httpRequest(c.req.method, matched ? route : undefined, status, (now() - started) / 1000, scheme);
    }
  };
}
