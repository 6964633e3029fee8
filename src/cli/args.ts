import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../infra/config/load.ts';
import type { Config } from '../infra/config/schema.ts';

/** `--config FILE` (or BANKING_CONFIG) -> validated config; a ConfigError is printed and becomes exit 2. */
export function configFromArgs(argv: string[]): { config: Config; rest: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' } },
    allowPositionals: true,
    strict: false,
  });
  const path = (values.config as string | undefined) ?? process.env.BANKING_CONFIG ?? DEFAULT_CONFIG_PATH;
  return { config: loadConfig(path), rest: positionals };
}

export function reportConfigError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`banking-sftp: ${error.message}\n`);
    return 2;
  }
  throw error;
}
