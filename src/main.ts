/**
 * Composition root: config -> infra (database, logger) -> actors -> routes -> HTTP server. The only module (with
 * cli.ts and scripts/) that imports every layer.
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { taipeiDate } from './domain/taipei-time.ts';
import type { Config } from './infra/config/schema.ts';
import { connectDatabase, type DatabaseHandle } from './infra/db/connect.ts';
import { mintLocalAdminToken } from './infra/db/local-admin.ts';
import { migrateToLatest } from './infra/db/migrate.ts';
import { revokeApiToken } from './infra/db/repositories/api-tokens.ts';
import { seedDemoIfEmpty } from './infra/db/seed-demo.ts';
import { createAlertNotices } from './infra/mail/alert-notices.ts';
import { type HttpServer, serveHttp } from './infra/runtime/http.ts';
import { acceptsAnyHostKey } from './infra/sftp/host-key.ts';
import { createLogger } from './infra/telemetry/logger.ts';
import { createTelemetry } from './infra/telemetry/metrics.ts';
import { startTracing } from './infra/telemetry/tracing.ts';
import { createApp } from './routes/create-app.ts';
import { httpMetricsMiddleware, metricsRoutes } from './routes/metrics/metrics.index.ts';
import { createMetricsSource } from './workflows/metrics-source.ts';
import { type Operations, startOperations } from './workflows/operations.ts';

export interface Service {
  port: number;
  instanceId: string;
  database: DatabaseHandle;
  operations: Operations;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  now?: () => Date;
}

export async function startService(config: Config, options: StartOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger();
  const now = options.now ?? (() => new Date());
  const instanceId = config.service.instance_id ?? `inst-${randomBytes(4).toString('hex')}`;

  const database = await connectDatabase({
    url: config.database.url,
    pgliteDir: config.database.pglite_dir,
    poolMax: config.database.pool_max,
    owner: 'serve',
  });
  const stopSteps: Array<() => Promise<void>> = [() => database.close()];
  try {
    const migrated = await migrateToLatest(database.db);
    logger.info({ database: database.target, applied: migrated.applied }, 'database ready');

    if (config.demo_data) {
      const inserted = await seedDemoIfEmpty(database.db, {
        dueDate: taipeiDate(now()),
        bankCodes: config.banks.filter((b) => b.active).map((b) => b.bank_code),
      });
      if (inserted > 0) logger.info({ invoices: inserted }, 'demo invoices inserted into the empty database');
    }

    const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId });
    stopSteps.push(() => telemetry.shutdown());
    const tracing = await startTracing({ serviceName: 'banking-sftp', instanceId });
    stopSteps.push(() => tracing.shutdown());

    const operations = await startOperations({ config, database, logger, instanceId, now, telemetry });
    stopSteps.unshift(() => operations.stop());

    const activeBanks = config.banks.filter((b) => b.active);
    // breaker-open and key-expiry notices by email/webhook, once across all instances (dedupe key)
    const stopNotices = createAlertNotices({
      notify: (notice) => operations.notifier.notify(notice),
      breakers: () =>
        operations.ports.snapshot().banks.map((b) => ({
          bankCode: b.bankCode,
          breaker: b.breaker,
          openUntil: b.breakerOpenUntil,
          lastError: b.lastError,
        })),
      keys: async () =>
        (
          await Promise.all(
            activeBanks.map(async (bank) =>
              (
                await operations.crypto.keyStatus(bank).catch(() => [])
              )
                .filter((k) => !k.missing)
                .map((k) => ({
                  bankCode: bank.bank_code,
                  key: `${k.owner}:${k.fingerprint.slice(-16)}`,
                  daysLeft: k.daysLeft,
                })),
            ),
          )
        ).flat(),
      warnDays: config.mail.key_expiry_warn_days,
      onError: (error) => logger.error({ err: error }, 'alert notice check failed'),
    }).start();
    stopSteps.unshift(async () => stopNotices());
    telemetry.registerBanks(activeBanks.map((b) => b.bank_code));
    telemetry.setSource(
      createMetricsSource({
        db: database.db,
        ops: operations,
        banks: activeBanks,
        crypto: operations.crypto,
        now,
        lastPoll: operations.lastPoll,
      }),
    );
    // The CLI's credential while this service holds the embedded database (docs/operations-cli.md): an operator
    // token of its own, written only into the 0600 lock file, revoked at stop (and any left by a crash at start).
    const localAdmin = database.lock ? await mintLocalAdminToken(database.db, now()) : null;
    if (localAdmin) stopSteps.unshift(() => revokeApiToken(database.db, localAdmin.id, now()).then(() => {}));
    const sandbox = operations.sandbox;
    const monitorApp = createApp({
      db: database.db,
      dbKind: database.kind,
      now,
      logger,
      monitor: {
        banks: activeBanks.map((bank) => ({
          bank_code: bank.bank_code,
          bank_name: bank.bank_name,
          cutoff_time: bank.cutoff_time,
          insecure_host_key: acceptsAnyHostKey(bank),
        })),
        ports: operations.ports,
      },
      // with service.metrics.port, /metrics is served only on its own port (below)
      ...(config.service.metrics.port === undefined ? { metrics: metricsRoutes(telemetry) } : {}),
      metricsRequireToken: config.service.metrics.require_token,
      trustedProxies: config.service.trusted_proxies,
      bodyLimitBytes: config.service.body_limit_bytes,
      failedAuthLimits: {
        maxFailures: config.auth.max_failures,
        windowMs: config.auth.window_seconds * 1000,
        blockMs: config.auth.block_seconds * 1000,
      },
      sessionTtlMs: config.auth.session_hours * 3600_000,
      onLockout: (event) => {
        telemetry.authLockout();
        logger.warn(event, 'monitor client locked out after too many bad tokens');
      },
      localAdminTokenId: () => localAdmin?.id ?? null,
      sandbox: sandbox
        ? {
            banks: () => [...sandbox.banks.keys()],
            faults: (code) => sandbox.bank(code).faults(),
            setFaults: async (code, faults) => {
              await sandbox.setFaults(code, faults);
              logger.warn({ bank: code, faults }, 'sandbox bank faults changed');
            },
          }
        : null,
    });
    // request metrics wrap the whole app, so each request is counted under its matched route pattern
    const app = new Hono();
    app.use(httpMetricsMiddleware(telemetry));
    app.route('/', monitorApp);
    const server: HttpServer = await serveHttp(app.fetch, { port: config.service.port, host: config.service.host });
    stopSteps.unshift(() => server.close());
    database.lock?.update({ host: config.service.host, port: server.port, admin_token: localAdmin?.token });
    logger.info({ port: server.port, host: config.service.host, instanceId }, 'banking-sftp serving');
    if (config.service.metrics.port !== undefined) {
      const metricsServer = await serveHttp(metricsRoutes(telemetry).fetch, {
        port: config.service.metrics.port,
        host: config.service.metrics.host ?? config.service.host,
      });
      stopSteps.unshift(() => metricsServer.close());
      logger.info({ port: metricsServer.port }, 'metrics served on their own port');
    }

    let stopping: Promise<void> | undefined;
    return {
      port: server.port,
      instanceId,
      database,
      operations,
      logger,
      stop: () => {
        stopping ??= (async () => {
          for (const step of stopSteps) await step();
          logger.info('banking-sftp stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const step of stopSteps) await step().catch(() => {});
    throw error;
  }
}
