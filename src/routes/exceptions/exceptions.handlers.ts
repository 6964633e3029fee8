import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import { type ExceptionRow, listExceptions, resolveException } from '../../infra/db/repositories/monitor-exceptions.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { maskJson } from '../mask-json.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { decodeCursor, encodeCursor, taipeiIso } from '../schemas.ts';
import type { listExceptionsRoute, resolveExceptionRoute } from './exceptions.routes.ts';

export function exceptionJson(e: ExceptionRow) {
  return {
    ...e,
    message: maskSensitiveText(e.message),
    details: maskJson(e.details) as Record<string, unknown>,
    created_at: taipeiIso(e.created_at),
    notified_at: taipeiIso(e.notified_at),
    resolved_at: taipeiIso(e.resolved_at),
  };
}

export function cursorOrProblem(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = decodeCursor(cursor);
  if (id === undefined) {
    throw new Problem('validation', 'invalid cursor', {
      errors: [{ field: 'cursor', in: 'query', message: 'not a cursor returned by this API' }],
    });
  }
  return id;
}

export const exceptionsHandlers = (ctx: MonitorContext) => ({
  listExceptions: (async (c) => {
    const q = c.req.valid('query');
    const beforeId = cursorOrProblem(q.cursor);
    const page = await listExceptions(ctx.db, {
      status: q.status === 'all' ? undefined : q.status,
      bankCode: q.bank_code,
      limit: q.limit,
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    return c.json(
      {
        items: page.items.map(exceptionJson),
        next_cursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
      },
      200,
    );
  }) satisfies RouteHandler<typeof listExceptionsRoute, MonitorEnv>,

  resolveException: (async (c) => {
    const { id } = c.req.valid('param');
    const { resolution } = c.req.valid('json');
    const actor = c.get('principal').actor;
    c.set('audit', { action: 'exception.resolve', target: `exception:${id}`, details: { resolution } });
    const result = await resolveException(ctx.db, id, { actor, resolution, at: ctx.now() });
    if (!result.ok) {
      throw result.reason === 'not_found'
        ? new Problem('not-found', `exception ${id} does not exist`)
        : new Problem('conflict', `exception ${id} is already resolved`);
    }
    return c.json(exceptionJson(result.exception), 200);
  }) satisfies RouteHandler<typeof resolveExceptionRoute, MonitorEnv>,
});
