import { startService } from '../main.ts';
import { configFromArgs, reportConfigError } from './args.ts';

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  const service = await startService(config);
  const shutdown = (signal: string) => {
    service.logger.info({ signal }, 'shutting down');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return -1;
}
