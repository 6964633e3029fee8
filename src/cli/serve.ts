import { DirectoryLockedError } from '../infra/db/pglite-lock.ts';
import { startService } from '../main.ts';
import { loadCommandConfig, parseCommand } from './args.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const config = loadCommandConfig(values.config);
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(config);
  } catch (error) {
    if (error instanceof DirectoryLockedError) throw new CommandFailed(`refused to start: ${error.message}`);
    throw error;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  return -1;
}
