/**
 * `banking-sftp sandbox [--config FILE]`: runs the sandbox bank SFTP servers of the config's `sandbox: true`
 * banks on 127.0.0.1 until SIGTERM/SIGINT. Host keys, passwords (written into the file secret store directory)
 * and the bank directories are created on first start. This stand-alone mode writes no reconciliation files
 * (the bank simulator hook is wired by the service, `npm start`).
 *
 * `sandbox faults` / `sandbox fault --bank CODE [switches]`: the running service's fault switches, read and
 * replaced through its API (POST /sandbox/faults: operator role, audited).
 */
import { startSandbox } from '../infra/sftp/sandbox/index.ts';
import { createLogger } from '../infra/telemetry/logger.ts';
import { bankOf, loadCommandConfig, parseCommand } from './args.ts';
import { runningService } from './state.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    bank: { type: 'string' },
    'refuse-connections': { type: 'boolean' },
    'stall-ms': { type: 'string' },
    'drop-after-bytes': { type: 'string' },
    'reject-files': { type: 'boolean' },
    'result-delay-seconds': { type: 'string' },
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0 || (action !== undefined && action !== 'faults' && action !== 'fault')) {
    throw new UsageError(`unknown sub-command ${positionals.join(' ')}`);
  }
  const config = loadCommandConfig(values.config);

  if (action === 'faults' || action === 'fault') {
    const faults =
      action === 'fault'
        ? {
            bank_code: bankOf(config, values.bank).bank_code,
            faults: {
              ...(values['refuse-connections'] ? { refuse_connections: true } : {}),
              ...(values['stall-ms'] !== undefined ? { stall_ms: count(values['stall-ms'], '--stall-ms') } : {}),
              ...(values['drop-after-bytes'] !== undefined
                ? { drop_after_bytes: count(values['drop-after-bytes'], '--drop-after-bytes') }
                : {}),
              ...(values['reject-files'] ? { reject_files: true } : {}),
              ...(values['result-delay-seconds'] !== undefined
                ? { result_delay_seconds: count(values['result-delay-seconds'], '--result-delay-seconds') }
                : {}),
            },
          }
        : null;
    const api = runningService(config);
    if (!api) {
      throw new CommandFailed(
        'no running service found: the faults live in the service (npm start); outside the embedded ' +
          "database's lock set BANKING_API_TOKEN to an operator token",
      );
    }
    if (faults) {
      process.stdout.write(`${JSON.stringify(await api.request('POST', '/sandbox/faults', faults))}\n`);
    } else {
      const { items } = await api.request<{ items: unknown[] }>('GET', '/sandbox/faults');
      for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
    }
    return 0;
  }

  if (!config.banks.some((bank) => bank.sandbox)) {
    throw new CommandFailed('no bank in the config has "sandbox": true', 2);
  }
  const logger = createLogger({ component: 'sandbox' });
  const sandbox = await startSandbox(config, {
    onError: (error, ctx) =>
      logger.child({ component: `sandbox:${ctx.bankCode}` }).warn({ err: error }, 'sandbox error'),
  }).catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  for (const bank of sandbox.banks.values()) {
    logger
      .child({ component: `sandbox:${bank.bankCode}` })
      .info({ port: bank.port, dir: bank.dir }, `sandbox bank ${bank.bankCode}: sftp://127.0.0.1:${bank.port}`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping sandbox banks');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'sandbox stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return -1;
}
