/**
 * `banking-sftp tokens create --role viewer|operator [--name N]` prints a new monitor API token once (only its
 * SHA-256 is stored); `tokens list` shows them without secrets; `tokens revoke <id>` stops one working (within
 * the API's 5 s token cache).
 */
import { parseArgs } from 'node:util';
import { connectDatabase } from '../infra/db/connect.ts';
import { migrateToLatest } from '../infra/db/migrate.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../infra/db/repositories/api-tokens.ts';
import { configFromArgs, reportConfigError } from './args.ts';

const USAGE = `usage:
  banking-sftp tokens create --role viewer|operator [--name NAME]
  banking-sftp tokens list
  banking-sftp tokens revoke <id>
`;

export async function run(argv: string[]): Promise<number> {
  let config: ReturnType<typeof configFromArgs>['config'];
  try {
    config = configFromArgs(argv).config;
  } catch (error) {
    return reportConfigError(error);
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`banking-sftp tokens: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action, ...rest] = parsed.positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    process.stderr.write(USAGE);
    return 2;
  }
  const role = parsed.values.role;
  if (action === 'create' && role !== 'viewer' && role !== 'operator') {
    process.stderr.write(`banking-sftp tokens create: --role must be viewer or operator\n${USAGE}`);
    return 2;
  }
  const revokeId = Number(rest[0]);
  if (action === 'revoke' && !(Number.isSafeInteger(revokeId) && revokeId > 0)) {
    process.stderr.write(`banking-sftp tokens revoke: expected a token id\n${USAGE}`);
    return 2;
  }

  const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
  try {
    await migrateToLatest(database.db);
    if (action === 'create') {
      const name = parsed.values.name ?? `${role}-${new Date().toISOString().slice(0, 10)}`;
      const created = await createApiToken(database.db, { name, role: role as 'viewer' | 'operator' });
      process.stdout.write(
        `${JSON.stringify({ id: created.id, name: created.name, role: created.role, token: created.token })}\n`,
      );
      process.stderr.write('This token is shown once; only its SHA-256 is stored. Keep it in your secret store.\n');
      return 0;
    }
    if (action === 'list') {
      for (const t of await listApiTokens(database.db)) {
        process.stdout.write(
          `${JSON.stringify({
            id: t.id,
            name: t.name,
            role: t.role,
            created_at: t.created_at.toISOString(),
            last_used_at: t.last_used_at?.toISOString() ?? null,
            revoked_at: t.revoked_at?.toISOString() ?? null,
          })}\n`,
        );
      }
      return 0;
    }
    if (!(await revokeApiToken(database.db, revokeId, new Date()))) {
      process.stderr.write(`banking-sftp tokens revoke: no active token with id ${revokeId}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify({ revoked: revokeId })}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      config: { type: 'string', short: 'c' },
    },
    allowPositionals: true,
    strict: true,
  });
}
