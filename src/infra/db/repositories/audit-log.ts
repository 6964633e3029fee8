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

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: JSON.stringify(entry.details ?? {}),
      result: entry.result,
    })
    .execute();
}

export async function listAudit(db: Kysely<Database>, options: { limit?: number } = {}) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute();
}
