import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../infra/config/load.ts';
import type { Config } from '../infra/config/schema.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

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

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;

/** parseArgs, strict, with `--config`; an unknown or malformed option is a UsageError (exit 2). */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...CONFIG_OPTION, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The config named by `--config` (or BANKING_CONFIG, or the default); a bad one ends the command with exit 2. */
export function loadCommandConfig(path: string | undefined): Config {
  try {
    return loadConfig(path ?? process.env.BANKING_CONFIG ?? DEFAULT_CONFIG_PATH);
  } catch (error) {
    if (error instanceof ConfigError) throw new CommandFailed(error.message, 2);
    throw error;
  }
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is refused), else a UsageError naming the flag. */
export function parseDay(value: string, flag: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!day || day.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function bankOf(config: Config, code: string | undefined) {
  if (!code) throw new UsageError(`--bank is required (one of ${config.banks.map((b) => b.bank_code).join(', ')})`);
  const bank = config.banks.find((b) => b.bank_code === code);
  if (!bank) {
    throw new UsageError(
      `--bank ${code} is not configured (one of ${config.banks.map((b) => b.bank_code).join(', ')})`,
    );
  }
  return bank;
}

export function requireOption(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}
