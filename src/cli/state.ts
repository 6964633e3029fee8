/**
 * How a CLI command reaches the system's state (docs/operations-cli.md). On the embedded database a running
 * service holds the directory (<pglite_dir>.lock): the command then goes through the service's API with the
 * local-admin token the service wrote into that 0600 lock file, so it is authenticated and audited like any
 * API call. With no service it opens the database itself (holding the lock meanwhile, so a `serve` started at
 * that moment is refused rather than sharing the directory). PostgreSQL is shared by design: opened directly.
 */
import { userInfo } from 'node:os';
import type { Config } from '../infra/config/schema.ts';
import { connectDatabase, type DatabaseHandle } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { type DirectoryLockInfo, readLiveLock } from '../infra/db/pglite-lock.ts';
import { recordAudit } from '../infra/db/repositories/audit-log.ts';
import { createSecretStore } from '../infra/secrets/index.ts';
import { CLI_USER_HEADER } from '../routes/admin/admin.index.ts';
import { API_BASE } from '../routes/router.ts';
import { CommandFailed } from './usage-error.ts';

export function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/** The audit actor of an action the CLI does on the database itself. */
export const cliActor = () => `cli:${cliUser()}`;

export class ServiceApi {
  constructor(
    readonly base: string,
    private readonly token: string,
    readonly holder: DirectoryLockInfo | null,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${API_BASE}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          [CLI_USER_HEADER]: cliUser(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      throw new CommandFailed(`the running service at ${this.base} does not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const detail = (json as { detail?: string } | null)?.detail ?? text;
      throw new CommandFailed(`the service answered ${response.status}: ${detail}`);
    }
    return json as T;
  }
}

/**
 * The running service to talk to: the holder of the PGlite directory, or (any database) the configured port
 * when BANKING_API_TOKEN is set. null: no service; the caller may open the database itself.
 */
export function runningService(config: Config): ServiceApi | null {
  if (!config.database.url) {
    const holder = readLiveLock(config.database.pglite_dir);
    if (holder) {
      if (holder.owner !== 'serve' || !holder.port || !holder.admin_token) {
        throw new CommandFailed(
          `the embedded database ${config.database.pglite_dir} is held by pid ${holder.pid} (${holder.owner}, ` +
            `since ${holder.started_at}) and it offers no API yet; try again once it is serving or has ended`,
        );
      }
      const host = !holder.host || holder.host === '0.0.0.0' || holder.host === '::' ? '127.0.0.1' : holder.host;
      return new ServiceApi(
        `http://${host.includes(':') ? `[${host}]` : host}:${holder.port}`,
        holder.admin_token,
        holder,
      );
    }
  }
  const token = process.env.BANKING_API_TOKEN;
  if (token) {
    const host = config.service.host === '0.0.0.0' ? '127.0.0.1' : config.service.host;
    return new ServiceApi(`http://${host}:${config.service.port}`, token, null);
  }
  return null;
}

/** Opens the configured database for a CLI command (migrated), holding a PGlite directory's lock meanwhile. */
export async function openDatabase(config: Config, command: string): Promise<DatabaseHandle> {
  const database = await connectDatabase({
    url: config.database.url,
    pgliteDir: config.database.pglite_dir,
    owner: command,
  }).catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Either through the service or on the database itself; the database is closed afterwards. */
export async function withState<T>(
  config: Config,
  command: string,
  ways: { service: (api: ServiceApi) => Promise<T>; direct: (database: DatabaseHandle) => Promise<T> },
): Promise<T> {
  const api = runningService(config);
  if (api) return ways.service(api);
  const database = await openDatabase(config, command);
  try {
    return await ways.direct(database);
  } finally {
    await database.close();
  }
}

/** Records an action the CLI did itself (keys generate …) in the audit log, through the service or directly. */
export async function auditCliAction(
  config: Config,
  entry: { action: string; target: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await withState(config, entry.action, {
    service: (api) => api.request('POST', '/admin/actions', { ...entry, details: entry.details ?? {} }),
    direct: ({ db }) =>
      recordAudit(db, { actor: cliActor(), result: 'success', ...entry, details: { ...entry.details } }),
  });
}

/** The configured secret store, each access audited as the CLI's own (as the service audits its own). */
export function auditedSecrets(config: Config, db: DatabaseHandle['db']) {
  return createSecretStore(config.secrets, {
    audit: async (entry) => {
      await recordAudit(db, {
        actor: cliActor(),
        action: 'secret.access',
        target: entry.name,
        result: entry.result,
        details: { version: entry.version, provider: entry.provider },
      });
    },
  });
}
