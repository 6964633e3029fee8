/**
 * Reads the config file, applies environment overrides and validates. Every failure is a ConfigError whose
 * message names the bank (by `bank_code`, or its position when that is missing) and the field.
 *
 * Environment overrides: PORT, HOST, DATABASE_URL, BANKING_DATA_DIR (every path the file does not set lives
 * under it), BANKING_SECRETS_PROVIDER, BANKING_SECRETS_DIR, BANKING_INSTANCE_ID.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type BankConfig, bankSchema, type Config, configSchema } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

function describe(issues: z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map((issue) => {
    const field = issue.path.join('.') || '(root)';
    return `${prefix}field ${field}: ${issue.message}`;
  });
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const top = configSchema.safeParse(raw);
  if (!top.success) {
    const problems = describe(top.error.issues, '');
    throw new ConfigError(`${source}: invalid configuration\n  ${problems.join('\n  ')}`, problems);
  }
  const problems: string[] = [];
  const banks: BankConfig[] = [];
  const seen = new Set<string>();
  top.data.banks.forEach((rawBank, index) => {
    const label =
      rawBank && typeof rawBank === 'object' && typeof (rawBank as { bank_code?: unknown }).bank_code === 'string'
        ? `bank ${(rawBank as { bank_code: string }).bank_code}`
        : `bank #${index + 1}`;
    const parsed = bankSchema.safeParse(rawBank);
    if (!parsed.success) {
      problems.push(...describe(parsed.error.issues, `${label}: `));
      return;
    }
    if (seen.has(parsed.data.bank_code)) problems.push(`${label}: field bank_code: duplicate bank_code`);
    seen.add(parsed.data.bank_code);
    banks.push(parsed.data);
  });
  if (problems.length > 0) {
    throw new ConfigError(`${source}: invalid bank configuration\n  ${problems.join('\n  ')}`, problems);
  }
  const data = top.data;
  const under = (name: string) => `${data.data_dir.replace(/\/+$/, '')}/${name}`;
  let sandboxIndex = 0;
  const portBase = data.sandbox.port_base;
  return {
    ...data,
    banks:
      portBase === undefined
        ? banks
        : banks.map((bank) => (bank.sandbox ? { ...bank, sftp_port: portBase + sandboxIndex++ } : bank)),
    database: { ...data.database, pglite_dir: data.database.pglite_dir ?? under('pglite') },
    secrets: { ...data.secrets, dir: data.secrets.dir ?? under('secrets') },
    archive: { ...data.archive, path: data.archive.path ?? under('archive') },
    sandbox: { ...data.sandbox, dir: data.sandbox.dir ?? under('sandbox') },
  };
}

type Env = Record<string, string | undefined>;

/** Environment wins over the file, so one file serves several deployments. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(raw);
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    const obj = current && typeof current === 'object' ? (current as Record<string, unknown>) : {};
    out[name] = obj;
    return obj;
  };
  if (env.PORT) section('service').port = Number(env.PORT);
  if (env.HOST) section('service').host = env.HOST;
  if (env.BANKING_INSTANCE_ID) section('service').instance_id = env.BANKING_INSTANCE_ID;
  if (env.DATABASE_URL) section('database').url = env.DATABASE_URL;
  if (env.BANKING_DATA_DIR) out.data_dir = env.BANKING_DATA_DIR;
  if (env.BANKING_SECRETS_PROVIDER) section('secrets').provider = env.BANKING_SECRETS_PROVIDER;
  if (env.BANKING_SECRETS_DIR) section('secrets').dir = env.BANKING_SECRETS_DIR;
  if (env.SANDBOX_PORT_BASE) section('sandbox').port_base = Number(env.SANDBOX_PORT_BASE);
  return out;
}

export const DEFAULT_CONFIG_PATH = 'config/banking.json';

export function loadConfig(path: string = DEFAULT_CONFIG_PATH, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config file (${(error as Error).message})`, []);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`, []);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${path}: expected an object`, []);
  return parseConfig(applyEnvOverrides(raw as Record<string, unknown>, env), path);
}
