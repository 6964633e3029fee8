/**
 * One service instance of the multi-instance test: the whole system (bank actors, clock, per-bank leases) on
 * the shared PostgreSQL, on simulated business time that the parent moves forward in lockstep with the other
 * instances, so their schedules agree. Leases run on real time (they are about processes dying).
 * Usage: node --import tsx test/support/multi-child.ts <config.json> <start ISO> <instance id>
 * stdin: `advance <ISO>` -> stdout `at <ISO>` once settled; `stop` -> clean stop and exit 0.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseConfig } from '../../src/infra/config/load.ts';
import { connectDatabase } from '../../src/infra/db/connect.ts';
import { migrateToLatest } from '../../src/infra/db/migrate.ts';
import { createLogger } from '../../src/infra/telemetry/logger.ts';
import { startSimulation } from '../../src/workflows/simulation.ts';

const [configPath, startIso, instanceId] = process.argv.slice(2);
const config = parseConfig(JSON.parse(readFileSync(configPath!, 'utf8')), configPath);
const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
await migrateToLatest(database.db);
const simulation = await startSimulation({
  config,
  database,
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr as never }),
  start: new Date(startIso!),
  instanceId: instanceId!,
  bankLeases: { renewMs: Number(process.env.LEASE_RENEW_MS ?? 10_000) },
});
process.stdout.write('READY\n');

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(' ');
  queue = queue.then(async () => {
    if (command === 'advance') {
      await simulation.advanceTo(new Date(arg!));
      process.stdout.write(`at ${simulation.now().toISOString()}\n`);
    } else if (command === 'stop') {
      await simulation.stop();
      await database.close();
      process.exit(0);
    }
  });
});
