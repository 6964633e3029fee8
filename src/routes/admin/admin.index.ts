/**
 * The CLI's way into a running service that holds the embedded database (docs/operations-cli.md): token
 * management, the audit log, and the audit entries of actions the CLI did itself. Only the local-admin token
 * the service minted at start passes; the monitor auth has already authenticated and will audit each POST.
 */
import type { Context } from 'hono';
import { createApiToken, listApiTokens, revokeApiToken } from '../../infra/db/repositories/api-tokens.ts';
import { listAudit } from '../../infra/db/repositories/audit-log.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { Problem } from '../problem.ts';
import { createRouter, type MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import {
  createTokenRoute,
  listAuditRoute,
  listTokensRoute,
  recordActionRoute,
  revokeTokenRoute,
} from './admin.routes.ts';

/** The OS user the CLI runs as, sent in this header and kept in the audit details. */
export const CLI_USER_HEADER = 'x-banking-cli-user';

export function adminRoutes(ctx: MonitorContext, localAdminTokenId: () => number | null) {
  const requireLocalAdmin = (c: Context<MonitorEnv>) => {
    const id = localAdminTokenId();
    if (id === null || c.get('principal').id !== id) {
      throw new Problem('forbidden', 'only the local-admin token of this service (its own CLI) may do this');
    }
    return { cli_user: c.req.header(CLI_USER_HEADER) ?? null };
  };
  return createRouter()
    .openapi(listTokensRoute, async (c) => {
      requireLocalAdmin(c);
      const rows = await listApiTokens(ctx.db);
      return c.json(
        {
          items: rows.map((t) => ({
            id: t.id,
            name: t.name,
            role: t.role,
            created_at: taipeiIso(t.created_at),
            last_used_at: taipeiIso(t.last_used_at),
            revoked_at: taipeiIso(t.revoked_at),
          })),
        },
        200,
      );
    })
    .openapi(createTokenRoute, async (c) => {
      const who = requireLocalAdmin(c);
      const { role, name } = c.req.valid('json');
      const created = await createApiToken(ctx.db, { name, role });
      c.set('audit', { action: 'token.create', target: `${created.name}#${created.id}`, details: { ...who, role } });
      return c.json({ id: created.id, name: created.name, role: created.role, token: created.token }, 200);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const who = requireLocalAdmin(c);
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'token.revoke', target: String(id), details: who });
      if (!(await revokeApiToken(ctx.db, id, ctx.now()))) {
        throw new Problem('not-found', `no active token with id ${id}`);
      }
      return c.json({ revoked: id }, 200);
    })
    .openapi(listAuditRoute, async (c) => {
      requireLocalAdmin(c);
      const q = c.req.valid('query');
      const rows = await listAudit(ctx.db, {
        limit: q.limit,
        since: q.since ? new Date(q.since) : undefined,
        actor: q.actor,
      });
      return c.json(
        {
          items: rows.map((r) => ({
            id: r.id,
            at: taipeiIso(r.at),
            actor: r.actor,
            action: r.action,
            target: r.target,
            result: r.result,
            details: r.details,
          })),
        },
        200,
      );
    })
    .openapi(recordActionRoute, async (c) => {
      const who = requireLocalAdmin(c);
      const body = c.req.valid('json');
      c.set('audit', {
        action: body.action,
        ...(body.target ? { target: body.target } : {}),
        details: { ...body.details, ...who },
      });
      return c.json({ recorded: true as const }, 200);
    });
}
