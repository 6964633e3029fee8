/**
 * Exceptions as operators see them: listed newest first, resolved with a note and a name. Resolving is a
 * compare-and-set on `status = 'open'`, so two operators cannot both resolve the same exception.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

const columns = [
  'id',
  'bank_code',
  'kind',
  'ref',
  'message',
  'details',
  'status',
  'created_at',
  'notified_at',
  'resolved_at',
  'resolved_by',
  'resolution',
] as const;

export async function listExceptions(
  db: Kysely<Database>,
  filter: { status?: 'open' | 'resolved' | undefined; bankCode?: string | undefined; beforeId?: number; limit: number },
) {
  let query = db
    .selectFrom('exceptions')
    .select(columns)
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.bankCode) query = query.where('bank_code', '=', filter.bankCode);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  return { items: page, nextBeforeId: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function getException(db: Kysely<Database>, id: number) {
  return db.selectFrom('exceptions').select(columns).where('id', '=', id).executeTakeFirst();
}

export type ExceptionRow = NonNullable<Awaited<ReturnType<typeof getException>>>;

export async function resolveException(
  db: Kysely<Database>,
  id: number,
  input: { actor: string; resolution: string; at: Date },
): Promise<{ ok: true; exception: ExceptionRow } | { ok: false; reason: 'not_found' | 'already_resolved' }> {
  const updated = await db
    .updateTable('exceptions')
    .set({ status: 'resolved', resolved_at: input.at, resolved_by: input.actor, resolution: input.resolution })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning(columns)
    .executeTakeFirst();
  if (updated) return { ok: true, exception: updated };
  const existing = await getException(db, id);
  return { ok: false, reason: existing ? 'already_resolved' : 'not_found' };
}
