/**
 * A transaction the bank has not answered by the business day after its value date is an exception
 * (`no_result`): raised once per transaction, listed by the API, mailed with the others. Run with the daily
 * report, so an answer that arrives during the day clears the question before it is asked.
 */
import type { Kysely } from 'kysely';
import type { BusinessCalendar } from '../../domain/calendar/business-calendar.ts';
import type { Database } from '../../infra/db/schema.ts';

export async function raiseOverdueResults(
  db: Kysely<Database>,
  calendar: Pick<BusinessCalendar, 'nextBusinessDay'>,
  today: string,
): Promise<number> {
  const waiting = await db
    .selectFrom('transactions as t')
    .innerJoin('payment_batches as b', 'b.id', 't.batch_id')
    .select(['t.id', 't.transaction_id', 't.bank_code', 't.amount_cents', 'b.value_date', 'b.batch_number'])
    .where('t.status', '=', 'sent')
    .where('b.value_date', '<', today)
    .execute();
  let raised = 0;
  for (const tx of waiting) {
    const expectedBy = calendar.nextBusinessDay(tx.value_date);
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
