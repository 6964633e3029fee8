/**
 * The whole system in one test process (see src/workflows/simulation.ts): real database (PGlite, or PostgreSQL
 * when TEST_DATABASE_URL is set), real sandbox SFTP servers on loopback, real PGP, the real bank actors and
 * clock, on simulated time. Log lines are captured for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { taipeiDate } from '../../src/domain/taipei-time.ts';
import { parseConfig } from '../../src/infra/config/load.ts';
import type { Config } from '../../src/infra/config/schema.ts';
import type { DatabaseHandle } from '../../src/infra/db/connect.ts';
import { seedDemo } from '../../src/infra/db/seed-demo.ts';
import { createLogger } from '../../src/infra/telemetry/logger.ts';
import { createTelemetry, type Telemetry } from '../../src/infra/telemetry/metrics.ts';
import { createMetricsSource } from '../../src/workflows/metrics-source.ts';
import { type Simulation, startSimulation } from '../../src/workflows/simulation.ts';
import { openTestDatabase } from './db.ts';
import { buildTestConfig, TEST_SFTP_SETTINGS } from './test-config.ts';

export interface Harness extends Simulation {
  config: Config;
  database: DatabaseHandle;
  dir: string;
  logLines: string[];
  telemetry: Telemetry;
  metricsText(): Promise<string>;
}

export interface HarnessOptions {
  start: Date;
  seedInvoices?: boolean;
  overrides?: Record<string, unknown>;
  calendarPollMs?: number;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'banking-e2e-'));
  const database = await openTestDatabase();
  const raw = await buildTestConfig({
    dataDir: dir,
    overrides: {
      sftp: TEST_SFTP_SETTINGS,
      sandbox: { enabled: true, dir: join(dir, 'sandbox'), reconciliation_delay_seconds: 60, return_share: 0.2 },
      demo_data: false,
      ...(options.overrides ?? {}),
    },
  });
  const config = parseConfig(raw, 'test config');
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(chunk.toString());
        callback();
      },
    }),
  });
  if (options.seedInvoices !== false) {
    await seedDemo(database.db, {
      dueDate: taipeiDate(options.start),
      bankCodes: config.banks.map((b) => b.bank_code),
    });
  }
  const telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'e2e' });
  telemetry.registerBanks(config.banks.map((b) => b.bank_code));
  const simulation = await startSimulation({
    config,
    database,
    logger,
    start: options.start,
    instanceId: 'e2e',
    telemetry,
    ...(options.calendarPollMs ? { calendarPollMs: options.calendarPollMs } : {}),
  });
  telemetry.setSource(
    createMetricsSource({
      db: database.db,
      ops: simulation.ops,
      banks: config.banks,
      crypto: simulation.ops.crypto,
      now: simulation.now,
      lastPoll: simulation.ops.lastPoll,
    }),
  );
  return {
    ...simulation,
    config,
    database,
    dir,
    logLines,
    telemetry,
    metricsText: () => telemetry.collectPrometheusText(),
    async stop() {
      await simulation.stop();
      await telemetry.shutdown();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Instant of a Taipei wall-clock time on a day. */
export function taipei(day: string, hhmm: string): Date {
  return new Date(`${day}T${hhmm}:00+08:00`);
}
