/**
 * `banking-sftp sandbox [--config FILE]`: runs the sandbox bank SFTP servers of the config's `sandbox: true`
 * banks on 127.0.0.1 until SIGTERM/SIGINT. Host keys, passwords (written into the file secret store directory)
 * and the bank directories are created on first start. This stand-alone mode writes no reconciliation files
 * (the bank simulator hook is wired by the service, `npm start`).
 */
import { startSandbox } from '../infra/sftp/sandbox/index.ts';
import { configFromArgs, reportConfigError } from './args.ts';

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  if (!config.banks.some((bank) => bank.sandbox)) {
    process.stderr.write('banking-sftp sandbox: no bank in the config has "sandbox": true\n');
    return 2;
  }
  const sandbox = await startSandbox(config, {
    onError: (error, ctx) => process.stderr.write(`sandbox ${ctx.bankCode}: ${String(error)}\n`),
  });
  for (const bank of sandbox.banks.values()) {
    process.stdout.write(`sandbox bank ${bank.bankCode}: sftp://127.0.0.1:${bank.port} files in ${bank.dir}\n`);
  }
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: stopping sandbox banks\n`);
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sandbox stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return -1;
}
