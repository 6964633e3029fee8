/**
 * The service as a child process for crash tests: starts the whole system (sandbox banks, actors, clock) with the
 * wall clock moved to a given Taipei time, so the clock's catch-up runs the morning payment run at once.
 * Usage: node --import tsx test/support/crash-child.ts <config.json> <start ISO>
 */
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/infra/config/load.ts';
import { connectDatabase } from '../../src/infra/db/connect.ts';
import { migrateToLatest } from '../../src/infra/db/migrate.ts';
import { createLogger } from '../../src/infra/telemetry/logger.ts';
import { startOperations } from '../../src/workflows/operations.ts';

const [configPath, startIso] = process.argv.slice(2);
const config = parseConfig(JSON.parse(readFileSync(configPath!, 'utf8')), configPath);
const offset = new Date(startIso!).getTime() - Date.now();
const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
await migrateToLatest(database.db);
const ops = await startOperations({
  config,
  database,
  logger: createLogger({ level: 'warn', destination: process.stderr as never }),
  // the same id on every restart, as a service restarted under its configured instance_id: it renews its own bank
  // leases at once instead of waiting for them to expire (takeover by another instance: test/faults/multi-instance)
  instanceId: 'crash-child',
  now: () => new Date(Date.now() + offset),
  stabilityWait: async () => {},
  abandonRunAfterMs: 1_000,
});
process.stdout.write('READY\n');
process.once('SIGTERM', () => {
  ops
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
