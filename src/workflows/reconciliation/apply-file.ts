/**
 * Applies one parsed reconciliation file in ONE database transaction: the file row, every record with its match
 * result, the transaction and invoice status changes, and an exception for everything that does not match.
 * Either all of it lands or none of it does; a second delivery of the same file (same listing key or same
 * SHA-256, on this instance or another) hits a unique constraint and is skipped as already applied.
 */
import { type Kysely, sql } from 'kysely';
import { type MatchLookup, matchRecords, type ReconRecord, type SentTransaction } from '../../domain/matching.ts';
import type { Database } from '../../infra/db/schema.ts';

export interface ParsedFile {
  bank_code: string;
  format: string;
  remote_name: string;
  remote_size: number;
  remote_mtime: number;
  sha256: string;
  stored_path: string | null;
  records: Array<ReconRecord & { bank_reference?: string | null; unknown_code?: boolean }>;
}

export interface ApplySummary {
  fileId: number | null;
  alreadyApplied: boolean;
  matched: number;
  unmatched: number;
  amount_mismatch: number;
  account_mismatch: number;
  unknown_code: number;
  duplicate: number;
  settled: number;
  returned: number;
}

/** Each kind of record that cannot be applied is its own exception, named by what is wrong with it. */
const EXCEPTION_KIND: Record<Exclude<ReturnType<typeof matchRecords>[number]['result'], 'matched'>, string> = {
  unmatched: 'unmatched',
  amount_mismatch: 'amount_mismatch',
  account_mismatch: 'account_mismatch',
  unknown_code: 'unknown_return_code',
  duplicate: 'duplicate_record',
};

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || /duplicate key value/.test(e?.message ?? '');
}

async function loadCandidates(trx: Kysely<Database>, file: ParsedFile): Promise<SentTransaction[]> {
  const base = trx
    .selectFrom('transactions as t')
    .innerJoin('payment_batches as b', 'b.id', 't.batch_id')
    .select([
      't.id',
      't.transaction_id',
      't.amount_cents',
      't.status',
      't.seq',
      't.account_last4',
      sql<string>`to_char(b.created_at at time zone 'Asia/Taipei', 'YYYY-MM-DD')`.as('file_date'),
    ])
    .where('t.bank_code', '=', file.bank_code)
    .where('t.status', 'not in', ['cancelled', 'failed']);
  if (file.format === 'tch_ach') {
    const dates = [...new Set(file.records.map((r) => r.pdate).filter((d): d is string => !!d))];
    if (dates.length === 0) return [];
    return base
      .where(sql<string>`to_char(b.created_at at time zone 'Asia/Taipei', 'YYYY-MM-DD')`, 'in', dates)
      .execute();
  }
  const ids = [...new Set(file.records.map((r) => r.transaction_id).filter((id): id is string => !!id))];
  if (ids.length === 0) return [];
  return base.where('t.transaction_id', 'in', ids).execute();
}

async function earlierResults(trx: Kysely<Database>, ids: number[]): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  if (ids.length === 0) return out;
  const rows = await trx
    .selectFrom('reconciliation_records')
    .select(['matched_transaction', 'record_type'])
    .where('matched_transaction', 'in', ids)
    .where('match_result', '=', 'matched')
    .execute();
  for (const row of rows) {
    const set = out.get(row.matched_transaction!) ?? new Set<string>();
    set.add(row.record_type);
    out.set(row.matched_transaction!, set);
  }
  return out;
}

export async function applyReconciliationFile(
  db: Kysely<Database>,
  file: ParsedFile,
  now: Date,
): Promise<ApplySummary> {
  const summary: ApplySummary = {
    fileId: null,
    alreadyApplied: false,
    matched: 0,
    unmatched: 0,
    amount_mismatch: 0,
    account_mismatch: 0,
    unknown_code: 0,
    duplicate: 0,
    settled: 0,
    returned: 0,
  };
  try {
    return await db.transaction().execute(async (trx) => {
      const fileRow = await trx
        .insertInto('reconciliation_files')
        .values({
          bank_code: file.bank_code,
          remote_name: file.remote_name,
          remote_size: file.remote_size,
          remote_mtime: file.remote_mtime,
          sha256: file.sha256,
          status: 'applied',
          record_count: file.records.length,
          stored_path: file.stored_path,
          received_at: now,
          applied_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      summary.fileId = fileRow.id;

      const candidates = await loadCandidates(trx, file);
      const earlier = await earlierResults(
        trx,
        candidates.map((c) => c.id),
      );
      const byId = new Map(candidates.map((c) => [c.transaction_id, c]));
      const byDateSeq = new Map(candidates.map((c) => [`${c.file_date}#${c.seq}`, c]));
      const lookup: MatchLookup = {
        byTransactionId: (id) => byId.get(id),
        byDateAndSeq: (date, seq) => byDateSeq.get(`${date}#${seq}`),
        earlierResults: (id) => earlier.get(id) ?? new Set(),
      };
      const matches = matchRecords(file.format, file.records, lookup);

      for (const [index, record] of file.records.entries()) {
        const match = matches[index]!;
        summary[match.result]++;
        const tx = match.transaction;
        await trx
          .insertInto('reconciliation_records')
          .values({
            file_id: fileRow.id,
            line: index + 1,
            record_type: record.record_type,
            seq: record.seq,
            transaction_id: record.transaction_id,
            bank_reference: record.bank_reference ?? null,
            code: record.code,
            message: record.message,
            record_date: record.date,
            amount_cents: record.amount_cents,
            unknown_code: record.unknown_code ?? false,
            matched_transaction: tx?.id ?? null,
            match_result: match.result,
            raw: JSON.stringify(record),
          })
          .execute();

        if (match.result === 'matched' && tx && match.newStatus) {
          const updated = await trx
            .updateTable('transactions')
            .set({
              status: match.newStatus,
              updated_at: now,
              ...(match.newStatus === 'returned'
                ? { return_code: record.code, return_reason: record.message ?? match.reason ?? null }
                : {}),
              ...(record.bank_reference ? { bank_reference: record.bank_reference } : {}),
            })
            .where('id', '=', tx.id)
            .returning(['invoice_id', 'status'])
            .executeTakeFirstOrThrow();
          await trx
            .insertInto('transaction_status_history')
            .values({
              transaction_id: tx.id,
              from_status: tx.status,
              to_status: match.newStatus,
              reason: `${file.remote_name} line ${index + 1}${match.reason ? `: ${match.reason}` : ''}`,
            })
            .execute();
          await trx
            .updateTable('invoices')
            .set({ status: match.newStatus === 'settled' ? 'paid' : 'returned', updated_at: now })
            .where('id', '=', updated.invoice_id)
            .execute();
          // a late answer closes the "no result" question it had raised
          await trx
            .updateTable('exceptions')
            .set({
              status: 'resolved',
              resolved_at: now,
              resolved_by: 'system',
              resolution: `answered in ${file.remote_name}`,
            })
            .where('kind', '=', 'no_result')
            .where('ref', '=', `tx:${tx.transaction_id}`)
            .where('status', '=', 'open')
            .execute();
          tx.status = match.newStatus;
          summary[match.newStatus]++;
        } else if (match.result !== 'matched') {
          const kind = EXCEPTION_KIND[match.result];
          await trx
            .insertInto('exceptions')
            .values({
              bank_code: file.bank_code,
              kind,
              ref:
                tx && match.result !== 'duplicate' ? `tx:${tx.transaction_id}` : `file:${fileRow.id}:line:${index + 1}`,
              message: `${file.remote_name} line ${index + 1} (${record.record_type}): ${match.reason ?? match.result}`,
              details: JSON.stringify({
                file_id: fileRow.id,
                line: index + 1,
                file: file.remote_name,
                transaction_id: record.transaction_id ?? tx?.transaction_id ?? null,
                amount_cents: record.amount_cents,
                code: record.code,
                mismatch: match.result,
              }),
            })
            .onConflict((oc) => oc.columns(['bank_code', 'kind', 'ref']).where('status', '=', 'open').doNothing())
            .execute();
        }
      }

      // A batch is confirmed once the bank has given a final answer for every one of its transactions.
      const touched = [...new Set(matches.filter((m) => m.result === 'matched').map((m) => m.transaction!.id))];
      if (touched.length > 0) {
        const batches = await trx
          .selectFrom('transactions')
          .select('batch_id')
          .distinct()
          .where('id', 'in', touched)
          .execute();
        for (const { batch_id } of batches) {
          const open = await trx
            .selectFrom('transactions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('batch_id', '=', batch_id)
            .where('status', 'in', ['pending', 'sent'])
            .executeTakeFirst();
          if (Number(open?.n ?? 0) > 0) continue;
          const confirmed = await trx
            .updateTable('payment_batches')
            .set({ state: 'confirmed', confirmed_at: now, updated_at: now })
            .where('id', '=', batch_id)
            .where('state', '=', 'uploaded')
            .returning('id')
            .execute();
          if (confirmed.length > 0) {
            await trx
              .insertInto('batch_state_history')
              .values({
                batch_id,
                from_state: 'uploaded',
                to_state: 'confirmed',
                reason: `every transaction answered (${file.remote_name})`,
                actor: 'system',
              })
              .execute();
          }
        }
      }
      return summary;
    });
  } catch (error) {
    if (isUniqueViolation(error) && summary.fileId === null) {
      return { ...summary, alreadyApplied: true };
    }
    throw error;
  }
}
