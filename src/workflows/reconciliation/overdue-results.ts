/**
 * A transaction the bank has not answered by its `expected_result_by` day (set at upload: the value date plus
 * the bank's `result_window_days` business days, default 1) is an exception
 * (`no_result`): raised once per transaction, listed by the API, mailed with the others. Run with the daily
 * report, so an answer that arrives during the day clears the question before it is asked.
 */
import type { Kysely } from 'kysely';
import type { BusinessCalendar } from '../../domain/calendar/business-calendar.ts';
import type { Database } from '../../infra/db/schema.ts';

/** The value date moved forward by `windowDays` business days (0: the value date itself). */
export function expectedResultDay(
  calendar: Pick<BusinessCalendar, 'nextBusinessDay'>,
  valueDate: string,
  windowDays: number,
  bankCode?: string,
): string {
  let day = valueDate;
  for (let i = 0; i < windowDays; i++) day = calendar.nextBusinessDay(day, bankCode);
  return day;
}

export async function raiseOverdueResults(
  db: Kysely<Database>,
  calendar: Pick<BusinessCalendar, 'nextBusinessDay'>,
  today: string,
): Promise<number> {
  const waiting = await db
    .selectFrom('transactions as t')
    .innerJoin('payment_batches as b', 'b.id', 't.batch_id')
    .select([
      't.id',
      't.transaction_id',
      't.bank_code',
      't.amount_cents',
      't.expected_result_by',
      'b.value_date',
      'b.batch_number',
    ])
    .where('t.status', '=', 'sent')
    .where('b.value_date', '<', today)
    .execute();
  let raised = 0;
  for (const tx of waiting) {
    // rows uploaded before expected_result_by was recorded fall back to the default window of one day
    const expectedBy = tx.expected_result_by ?? calendar.nextBusinessDay(tx.value_date);
    if (expectedBy >= today) continue;
    const row = await db
      .insertInto('exceptions')
      .values({
        bank_code: tx.bank_code,
        kind: 'no_result',
        ref: `tx:${tx.transaction_id}`,
        message: `${tx.transaction_id} (${tx.batch_number}, value date ${tx.value_date}) has no result from the bank; expected by ${expectedBy}`,
        details: JSON.stringify({
          transaction_id: tx.transaction_id,
          value_date: tx.value_date,
          expected_by: expectedBy,
        }),
      })
      .onConflict((oc) => oc.columns(['bank_code', 'kind', 'ref']).where('status', '=', 'open').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) raised++;
  }
  return raised;
}
