/**
 * Transfer history for the monitor API: newest first, keyset-paginated on (started_at, id) so a page costs the
 * same at row 10 and at row 10 million, and rows inserted meanwhile never shift a page.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

export interface TransferFilter {
  bankCode?: string | undefined;
  direction?: 'upload' | 'download' | undefined;
  result?: 'success' | 'failure' | 'already_done' | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
  /** The id of the last row of the previous page. */
  afterId?: number | undefined;
  limit: number;
}

/**
 * Transfer history, newest first. `started_at` comes back as text, already the Taipei ISO instant the API
 * sends: profiled at 50 connections, parsing a Date per row (postgres-date) and formatting it again cost more
 * event-loop time than the query itself. `to_char` does not depend on the session's DateStyle; the Taipei
 * offset is fixed (+08:00, no daylight saving) and `MS` truncates like Date#toISOString.
 */
export async function listTransfers(db: Kysely<Database>, filter: TransferFilter) {
  let query = db
    .selectFrom('transfers')
    .select([
      'id',
      'bank_code',
      'direction',
      'remote_path',
      'bytes',
      'sha256',
      'duration_ms',
      'attempt',
      'result',
      'error',
      'error_class',
      'batch_id',
      // not aliased started_at: ORDER BY started_at would then sort by this text instead of using the index
      sql<string>`to_char(started_at at time zone 'Asia/Taipei', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+08:00"')`.as(
        'started_at_taipei',
      ),
    ])
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.bankCode) query = query.where('bank_code', '=', filter.bankCode);
  if (filter.direction) query = query.where('direction', '=', filter.direction);
  if (filter.result) query = query.where('result', '=', filter.result);
  if (filter.since) query = query.where('started_at', '>=', filter.since);
  if (filter.until) query = query.where('started_at', '<', filter.until);
  if (filter.afterId !== undefined) {
    // compared in the database: JavaScript Dates would drop the microseconds of started_at
    query = query.where(
      sql<boolean>`(started_at, id) < (select t.started_at, t.id from transfers t where t.id = ${filter.afterId})`,
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { items: page, nextAfterId: rows.length > filter.limit && last ? last.id : null };
}

export async function transferExists(db: Kysely<Database>, id: number): Promise<boolean> {
  const row = await db.selectFrom('transfers').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** Last successful (or already-done) upload per bank. */
export async function lastUploads(db: Kysely<Database>, bankCodes: readonly string[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  await Promise.all(
    bankCodes.map(async (bank) => {
      const row = await db
        .selectFrom('transfers')
        .select('started_at')
        .where('bank_code', '=', bank)
        .where('direction', '=', 'upload')
        .where('result', '<>', 'failure')
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (row) out.set(bank, row.started_at);
    }),
  );
  return out;
}
