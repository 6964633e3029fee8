/**
 * Builds the HTTP application from its parts. Each capability mounts its own routes here; tests build the app
 * with the same function and call `app.request()` without a server.
 *
 * @example
 *   const app = createApp({ db, dbKind: 'postgres', monitor: { banks, ports } });
 *   await app.request('/api/v1/banking-monitor/health', { headers: { authorization: `Bearer ${token}` } });
 */

import { swaggerUI } from '@hono/swagger-ui';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/schema.ts';
import { adminRoutes } from './admin/admin.index.ts';
import { peerAddress } from './auth/client-address.ts';
import { FailedAuthLimiter, type FailedAuthLimits } from './auth/failed-auth-limiter.ts';
import { type MonitorEnv, monitorAuth } from './auth/monitor-auth.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { banksRoutes } from './banks/banks.index.ts';
import { batchesRoutes } from './batches/batches.index.ts';
import { dashboardSource } from './dashboard/dashboard.handlers.ts';
import { dashboardRoutes } from './dashboard/dashboard.index.ts';
import { exceptionsRoutes } from './exceptions/exceptions.index.ts';
import { healthRoutes } from './health/health.index.ts';
import { healthzRoutes } from './healthz/healthz.ts';
import { accessLog } from './middleware/access-log.ts';
import { pageRoutes } from './page/page.index.tsx';
import { ActionRefused, type MonitorPorts } from './ports.ts';
import { Problem, problemResponse } from './problem.ts';
import { retryQueueRoutes } from './retry-queue/retry-queue.index.ts';
import { API_BASE, type MonitorBank, type MonitorContext } from './router.ts';
import { type SandboxControl, sandboxFaultRoutes } from './sandbox/sandbox-faults.ts';
import { testConnectionRoutes } from './test-connection/test-connection.index.ts';
import { transferHistoryRoutes } from './transfer-history/transfer-history.index.ts';
import { unavailablePorts } from './unavailable-ports.ts';

export interface AppDeps {
  db: Kysely<Database>;
  dbKind: 'postgres' | 'pglite';
  /** The running system behind the monitor API; absent = no banks shown and actions answer 503. */
  monitor?: {
    /** Active banks in configuration order (from config.banks). */
    banks: readonly MonitorBank[];
    ports: MonitorPorts;
  };
  /** Mounted at the root when given: the lead passes `metricsRoutes(…)` (serves GET /metrics). */
  metrics?: Hono;
  /** Injected clock (rate limit, token cache, dashboard "today"). */
  now?: () => Date;
  /** Peer address for the failed-auth limit; default reads the runtime adapter's socket (no X-Forwarded-For). */
  clientAddress?: (c: Context) => string;
  failedAuthLimits?: Partial<FailedAuthLimits>;
  /** How long a dashboard computation is reused (default 5000 ms; 0 = every request queries). */
  dashboardCacheMs?: number;
  /** How long a verified token is trusted before it is looked up again (default 5000 ms). */
  tokenCacheMs?: number;
  /** Where unexpected errors and audit-write failures are reported (pino's logger fits). */
  logger?: { error(obj: unknown, msg?: string): void; info?(obj: Record<string, unknown>, msg: string): void };
  /** The token id the service minted for its own CLI (admin routes); null/absent = no admin routes pass. */
  localAdminTokenId?: () => number | null;
  /** The running sandbox banks' fault switches (POST /sandbox/faults); absent = no sandbox. */
  sandbox?: SandboxControl | null;
}

export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'banking-sftp monitor API',
    version: '1.0.0',
    description:
      'Status, history and operator actions of the banking-sftp payment file exchange. Authenticate with ' +
      '`Authorization: Bearer <token>` (`banking-sftp tokens create --role viewer|operator`): viewer tokens may ' +
      'GET, operator tokens may also POST. Errors are RFC 9457 `application/problem+json` with a stable `type`. ' +
      'Times are ISO 8601 with the Asia/Taipei offset; amounts are integer cents.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'health' },
    { name: 'dashboard' },
    { name: 'transfers' },
    { name: 'batches' },
    { name: 'banks' },
    { name: 'exceptions' },
    { name: 'retry-queue' },
    { name: 'sandbox' },
    { name: 'admin' },
  ],
};

export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const report = (error: unknown, msg: string) => deps.logger?.error({ err: error }, msg);
  const ctx: MonitorContext = {
    db: deps.db,
    banks: deps.monitor?.banks ?? [],
    ports: deps.monitor?.ports ?? unavailablePorts(),
    now,
    dashboardCacheMs: deps.dashboardCacheMs ?? 5_000,
  };
  const auth = {
    db: deps.db,
    verifier: new TokenVerifier(deps.db, now, deps.tokenCacheMs ?? 5_000, (e) => report(e, 'token touch failed')),
    limiter: new FailedAuthLimiter({ now, limits: deps.failedAuthLimits ?? {} }),
    clientAddress: deps.clientAddress ?? peerAddress,
    onAuditError: (e: unknown) => report(e, 'audit log write failed'),
  };
  const dashboard = dashboardSource(ctx);

  const app = new OpenAPIHono<MonitorEnv>();
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from `banking-sftp tokens create`; only its SHA-256 is stored.',
  });

  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    if (error instanceof ActionRefused) {
      const kind =
        error.reason === 'conflict' ? 'conflict' : error.reason === 'not_found' ? 'not-found' : 'action-refused';
      return problemResponse(c, new Problem(kind, error.message));
    }
    if (error instanceof HTTPException && error.status < 500) {
      // e.g. a body that is not JSON, caught by the validator before our hook
      const kind = error.status === 400 ? 'validation' : error.status === 404 ? 'not-found' : 'conflict';
      return problemResponse(c, new Problem(kind, error.message));
    }
    report(error, 'unhandled error in HTTP handler');
    return problemResponse(c, new Problem('internal', 'internal error; see the service log'));
  });
  app.notFound((c) => problemResponse(c, new Problem('not-found', `no route for ${c.req.method} ${c.req.path}`)));

  if (deps.logger?.info) app.use(accessLog(deps.logger as Parameters<typeof accessLog>[0]));
  app.route('/', healthzRoutes(deps));
  // Where the lead mounts /metrics (metricsRoutes()); it carries its own access rules.
  if (deps.metrics) app.route('/', deps.metrics);

  app.use(`${API_BASE}/*`, monitorAuth(auth));
  app.route(API_BASE, healthRoutes(ctx));
  app.route(API_BASE, dashboardRoutes(ctx, dashboard));
  app.route(API_BASE, transferHistoryRoutes(ctx));
  app.route(API_BASE, batchesRoutes(ctx));
  app.route(API_BASE, testConnectionRoutes(ctx));
  app.route(API_BASE, exceptionsRoutes(ctx));
  app.route(API_BASE, banksRoutes(ctx));
  app.route(API_BASE, retryQueueRoutes(ctx));
  app.route(API_BASE, adminRoutes(ctx, deps.localAdminTokenId ?? (() => null)));
  app.route(API_BASE, sandboxFaultRoutes(deps.sandbox ?? null));

  app.get('/openapi.json', (c) => c.json(app.getOpenAPI31Document(OPENAPI_CONFIG)));
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'banking-sftp monitor API' }));
  app.route('/', pageRoutes(ctx, auth, dashboard));
  return app;
}

export type App = ReturnType<typeof createApp>;
