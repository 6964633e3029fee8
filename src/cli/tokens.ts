/**
 * `banking-sftp tokens create --role viewer|operator [--name N]` prints a new monitor API token once (only its
 * SHA-256 is stored); `tokens list` shows them without secrets; `tokens revoke <id>` stops one working (within
 * the API's 5 s token cache). Through the running service when one holds the embedded database (state.ts);
 * audited either way.
 */
import { createApiToken, listApiTokens, revokeApiToken } from '../infra/db/repositories/api-tokens.ts';
import { recordAudit } from '../infra/db/repositories/audit-log.ts';
import { loadCommandConfig, parseCommand } from './args.ts';
import { cliActor, withState } from './state.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

interface TokenRow {
  id: number;
  name: string;
  role: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { role: { type: 'string' }, name: { type: 'string' } });
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new UsageError(action ? `unknown sub-command ${action}` : 'expected create, list or revoke');
  }
  const role = values.role;
  if (action === 'create' && role !== 'viewer' && role !== 'operator') {
    throw new UsageError('tokens create: --role must be viewer or operator');
  }
  const revokeId = Number(rest[0]);
  if (action === 'revoke' && !(Number.isSafeInteger(revokeId) && revokeId > 0)) {
    throw new UsageError('tokens revoke: expected a token id');
  }
  const config = loadCommandConfig(values.config);

  if (action === 'create') {
    const name = values.name ?? `${role}-${new Date().toISOString().slice(0, 10)}`;
    const created = await withState(config, 'tokens create', {
      service: (api) =>
        api.request<{ id: number; name: string; role: string; token: string }>('POST', '/admin/tokens', {
          role,
          name,
        }),
      direct: async ({ db }) => {
        const t = await createApiToken(db, { name, role: role as 'viewer' | 'operator' });
        await recordAudit(db, {
          actor: cliActor(),
          action: 'token.create',
          target: `${t.name}#${t.id}`,
          result: 'success',
          details: { role },
        });
        return t;
      },
    });
    process.stdout.write(
      `${JSON.stringify({ id: created.id, name: created.name, role: created.role, token: created.token })}\n`,
    );
    process.stderr.write('This token is shown once; only its SHA-256 is stored. Keep it in your secret store.\n');
    return 0;
  }

  if (action === 'list') {
    const rows = await withState<TokenRow[]>(config, 'tokens list', {
      service: async (api) => (await api.request<{ items: TokenRow[] }>('GET', '/admin/tokens')).items,
      direct: async ({ db }) =>
        (await listApiTokens(db)).map((t) => ({
          id: t.id,
          name: t.name,
          role: t.role,
          created_at: t.created_at.toISOString(),
          last_used_at: iso(t.last_used_at),
          revoked_at: iso(t.revoked_at),
        })),
    });
    for (const t of rows) {
      const normal = (v: string | null) => (v ? new Date(v).toISOString() : null);
      process.stdout.write(
        `${JSON.stringify({ ...t, created_at: normal(t.created_at), last_used_at: normal(t.last_used_at), revoked_at: normal(t.revoked_at) })}\n`,
      );
    }
    return 0;
  }

  await withState(config, 'tokens revoke', {
    service: (api) => api.request('POST', `/admin/tokens/${revokeId}/revoke`),
    direct: async ({ db }) => {
      const done = await revokeApiToken(db, revokeId, new Date());
      await recordAudit(db, {
        actor: cliActor(),
        action: 'token.revoke',
        target: String(revokeId),
        result: done ? 'success' : 'failure',
      });
      if (!done) throw new CommandFailed(`no active token with id ${revokeId}`);
    },
  });
  process.stdout.write(`${JSON.stringify({ revoked: revokeId })}\n`);
  return 0;
}
