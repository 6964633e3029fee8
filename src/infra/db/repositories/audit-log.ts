/**
 * The audit log: who did what, to what, when, with which result. Written for every API request that changes
 * something (and every refused attempt to), read by operators and tests.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string | null;
  details?: Record<string, unknown>;
  result: string;
}

/**
 * PostgreSQL text and jsonb cannot hold NUL; a request path carrying one (`/batches/%00…`) would otherwise make
 * the insert fail and the attempt vanish from the log. It is kept visible as the six characters `\u0000`.
 */
const visibleNul = (text: string) => text.replaceAll('\u0000', '\\u0000');

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: visibleNul(entry.actor),
      action: visibleNul(entry.action),
      target: entry.target === null ? null : visibleNul(entry.target),
      // jsonb refuses the escape \u0000 as well
      details: JSON.stringify(entry.details ?? {}, (_key, value) =>
        typeof value === 'string' ? visibleNul(value) : value,
      ),
      result: entry.result,
    })
    .execute();
}

export async function listAudit(
  db: Kysely<Database>,
  options: { limit?: number; since?: Date | undefined; actor?: string | undefined } = {},
) {
  let query = db.selectFrom('audit_log').selectAll();
  if (options.since) query = query.where('at', '>=', options.since);
  if (options.actor) query = query.where('actor', '=', options.actor);
  return query
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute();
}

export interface AuditFilter {
  since?: Date | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** Newest first, one page; `nextBeforeId` continues after the last entry of the page. */
export async function listAuditPage(db: Kysely<Database>, filter: AuditFilter) {
  let query = db
    .selectFrom('audit_log')
    .select(['id', 'actor', 'action', 'target', 'details', 'result', 'at'])
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.since) query = query.where('at', '>=', filter.since);
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  return { items: page, nextBeforeId: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
}
