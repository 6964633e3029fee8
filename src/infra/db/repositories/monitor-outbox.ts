/** Outgoing notices as operators see them: which failed, how often, when they are tried again. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function listOutbox(
  db: Kysely<Database>,
  filter: {
    status?: 'pending' | 'sent' | 'failed' | 'logged' | undefined;
    beforeId?: number | undefined;
    limit: number;
  },
) {
  let query = db
    .selectFrom('outbox_messages')
    .select(['id', 'channel', 'subject', 'status', 'attempts', 'error', 'created_at', 'sent_at', 'next_attempt_at'])
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  return { items: page, nextBeforeId: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
}
