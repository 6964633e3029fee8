/**
 * Builds the HTTP application from its parts. Each capability mounts its own routes here; tests build the app
 * with the same function and call `app.request()` without a server.
 *
 * @example
 *   const app = createApp({ db, dbKind: 'postgres', monitor: { banks, ports } });
 *   await app.request('/api/v1/banking-monitor/health', { headers: { authorization: `Bearer ${token}` } });
 */

import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/schema.ts';
import { adminRoutes } from './admin/admin.index.ts';
import { auditRoutes } from './audit/audit.index.ts';
import { clientResolver } from './auth/client-address.ts';
import { FailedAuthLimiter, type FailedAuthLimits } from './auth/failed-auth-limiter.ts';
import { authenticate, bearerToken, type LockoutEvent, type MonitorEnv, monitorAuth } from './auth/monitor-auth.ts';
import { SessionStore } from './auth/sessions.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { banksRoutes } from './banks/banks.index.ts';
import { batchesRoutes } from './batches/batches.index.ts';
import { calendarRoutes } from './calendar/calendar.index.ts';
import { dashboardSource } from './dashboard/dashboard.handlers.ts';
import { dashboardRoutes } from './dashboard/dashboard.index.ts';
import { swaggerRoutes } from './docs/swagger.ts';
import { EventHub } from './events/event-hub.ts';
import { eventsRoutes } from './events/events.index.ts';
import { exceptionsRoutes } from './exceptions/exceptions.index.ts';
import { healthRoutes } from './health/health.index.ts';
import { healthzRoutes } from './healthz/healthz.ts';
import { accessLog } from './middleware/access-log.ts';
import { notificationsRoutes } from './notifications/notifications.index.ts';
import { withOperationIds } from './operation-ids.ts';
import { pageRoutes } from './page/page.index.tsx';
import { ActionRefused, type MonitorPorts } from './ports.ts';
import { Problem, type ProblemKind, problemResponse } from './problem.ts';
import { retryQueueRoutes } from './retry-queue/retry-queue.index.ts';
import { API_BASE, type MonitorBank, type MonitorContext } from './router.ts';
import { runsRoutes } from './runs/runs.index.ts';
import { type SandboxControl, sandboxFaultRoutes } from './sandbox/sandbox-faults.ts';
import { securityHeaders } from './security-headers.ts';
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
  /**
   * Client address for the failed-auth limit and the audit log; default: the socket peer, or X-Forwarded-For
   * when the peer is one of `trustedProxies` (tests replace it).
   */
  clientAddress?: (c: Context) => string;
  /** `service.trusted_proxies`: addresses or CIDR ranges whose X-Forwarded-For/-Proto are believed. */
  trustedProxies?: readonly string[];
  failedAuthLimits?: Partial<FailedAuthLimits>;
  /** Told when a client is locked out after too many bad tokens (log it, count it). */
  onLockout?: (event: LockoutEvent) => void;
  /** Largest request body accepted (default 1 MiB); bigger ones get 413 without being read whole. */
  bodyLimitBytes?: number;
  /** How long an operations-page sign-in lasts (default 8 h). */
  sessionTtlMs?: number;
  /** `/metrics` needs a monitor API token (viewer is enough) when true. */
  metricsRequireToken?: boolean;
  /** How often the live-update stream looks for changes (default 250 ms). */
  eventsPollMs?: number;
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
  // A template, not "/": a client generated from the file needs an absolute URL (see docs/api.md).
  servers: [
    {
      url: '{scheme}://{host}',
      description: 'the banking-sftp service (service.host:service.port), or the reverse proxy in front of it',
      variables: {
        scheme: { enum: ['https', 'http'], default: 'http' },
        host: { default: '127.0.0.1:8000' },
      },
    },
  ],
  tags: [
    { name: 'health' },
    { name: 'dashboard' },
    { name: 'transfers' },
    { name: 'batches' },
    { name: 'calendar' },
    { name: 'banks' },
    { name: 'exceptions' },
    { name: 'retry-queue' },
    { name: 'runs' },
    { name: 'audit' },
    { name: 'events' },
    { name: 'notifications' },
    { name: 'sandbox' },
    { name: 'admin' },
  ],
};

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

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
  const clients = clientResolver(deps.trustedProxies ?? []);
  const sessions = new SessionStore(deps.db, now, deps.sessionTtlMs ?? 8 * 3600_000);
  const auth = {
    db: deps.db,
    verifier: new TokenVerifier(deps.db, now, deps.tokenCacheMs ?? 5_000, (e) => report(e, 'token touch failed')),
    limiter: new FailedAuthLimiter({ now, limits: deps.failedAuthLimits ?? {} }),
    clientAddress: deps.clientAddress ?? clients.clientAddress,
    isTls: clients.isTls,
    onAuditError: (e: unknown) => report(e, 'audit log write failed'),
    onLockout: deps.onLockout,
    cookiePrincipal: (c: Context) => sessions.principalFromCookie(c),
  };
  const dashboard = dashboardSource(ctx);
  const hub = new EventHub(ctx, deps.eventsPollMs ?? 250, (e) => report(e, 'live-update poll failed'));

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
      const kind = HTTP_EXCEPTION_KINDS[error.status] ?? 'validation';
      return problemResponse(c, new Problem(kind, error.message));
    }
    report(error, 'unhandled error in HTTP handler');
    return problemResponse(c, new Problem('internal', 'internal error; see the service log'));
  });
  app.notFound((c) => problemResponse(c, new Problem('not-found', `no route for ${c.req.method} ${c.req.path}`)));

  app.use(securityHeaders(clients.isTls));
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          c,
          new Problem(
            'method-not-allowed',
            `${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(', ')}`,
            {},
            {
              allow: methods.join(', '),
            },
          ),
        ),
    }),
  );
  // Counted as the body streams in (Content-Length is checked first), so a 150 MB body costs 1 MB, not 150.
  const maxBody = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  app.use(
    bodyLimit({
      maxSize: maxBody,
      onError: (c) => problemResponse(c, new Problem('payload-too-large', `request body exceeds ${maxBody} bytes`)),
    }),
  );

  if (deps.logger?.info) app.use(accessLog(deps.logger as Parameters<typeof accessLog>[0]));
  app.route('/', healthzRoutes(deps));
  // Where the lead mounts /metrics (metricsRoutes()); optionally behind a monitor token.
  if (deps.metrics) {
    if (deps.metricsRequireToken) {
      app.use('/metrics', async (c, next) => {
        await authenticate(auth, c, bearerToken(c));
        await next();
      });
    }
    app.route('/', deps.metrics);
  }

  app.use(`${API_BASE}/*`, monitorAuth(auth));
  app.route(API_BASE, healthRoutes(ctx));
  app.route(API_BASE, dashboardRoutes(ctx, dashboard));
  app.route(API_BASE, transferHistoryRoutes(ctx));
  app.route(API_BASE, batchesRoutes(ctx));
  app.route(API_BASE, calendarRoutes(ctx));
  app.route(API_BASE, testConnectionRoutes(ctx));
  app.route(API_BASE, exceptionsRoutes(ctx));
  app.route(API_BASE, banksRoutes(ctx));
  app.route(API_BASE, retryQueueRoutes(ctx));
  app.route(API_BASE, runsRoutes(ctx));
  app.route(API_BASE, auditRoutes(ctx));
  app.route(API_BASE, eventsRoutes(hub));
  app.route(API_BASE, notificationsRoutes(ctx));
  app.route(API_BASE, adminRoutes(ctx, deps.localAdminTokenId ?? (() => null)));
  app.route(API_BASE, sandboxFaultRoutes(deps.sandbox ?? null));

  app.get('/openapi.json', (c) => c.json(openApiDocument(app)));
  app.route('/', swaggerRoutes());
  app.route(
    '/',
    pageRoutes(
      ctx,
      { ...auth, sessions, dispatch: (request: Request, env: unknown) => app.fetch(request, env) },
      dashboard,
    ),
  );
  return app;
}

const HTTP_EXCEPTION_KINDS: Record<number, ProblemKind> = {
  400: 'validation',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

/** The OpenAPI document of an app made by createApp, every operation with an operationId. */
export function openApiDocument(app: OpenAPIHono<MonitorEnv>) {
  return withOperationIds(app.getOpenAPI31Document(OPENAPI_CONFIG));
}

export type App = ReturnType<typeof createApp>;
