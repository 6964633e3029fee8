// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely';

/**
 * A per-day summary of transactions for the monitor dashboard, kept exact by statement-level triggers (one
 * aggregated upsert per statement, not per row), so `GET /dashboard` reads a few hundred rows instead of
 * scanning every transaction of the period. The day is the Asia/Taipei date the transaction was created.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table monitor_transaction_daily (
    day date not null,
    bank_code text not null,
    status text not null,
    return_code text not null,
    tx_count bigint not null,
    amount_cents bigint not null,
    primary key (day, bank_code, status, return_code)
  )`.execute(db);

  await sql`create function monitor_transaction_daily_apply() returns trigger language plpgsql as $fn$
  begin
    -- rows are upserted in key order so two concurrent statements cannot deadlock on the summary
    if tg_op = 'INSERT' then
      insert into monitor_transaction_daily as m (day, bank_code, status, return_code, tx_count, amount_cents)
      select (created_at at time zone 'Asia/Taipei')::date, bank_code, status, coalesce(return_code, ''),
             count(*), sum(amount_cents)
        from new_rows group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (day, bank_code, status, return_code) do update
        set tx_count = m.tx_count + excluded.tx_count, amount_cents = m.amount_cents + excluded.amount_cents;
    elsif tg_op = 'DELETE' then
      update monitor_transaction_daily m
         set tx_count = m.tx_count - d.n, amount_cents = m.amount_cents - d.amount
        from (select (created_at at time zone 'Asia/Taipei')::date as day, bank_code, status,
                     coalesce(return_code, '') as return_code, count(*) as n, sum(amount_cents) as amount
                from old_rows group by 1, 2, 3, 4) d
       where m.day = d.day and m.bank_code = d.bank_code and m.status = d.status and m.return_code = d.return_code;
    else
      insert into monitor_transaction_daily as m (day, bank_code, status, return_code, tx_count, amount_cents)
      select day, bank_code, status, return_code, sum(n), sum(amount)
        from (
          select (created_at at time zone 'Asia/Taipei')::date as day, bank_code, status,
                 coalesce(return_code, '') as return_code, 1 as n, amount_cents as amount from new_rows
          union all
          select (created_at at time zone 'Asia/Taipei')::date, bank_code, status,
                 coalesce(return_code, ''), -1, -amount_cents from old_rows
        ) delta
       group by 1, 2, 3, 4
      having sum(n) <> 0 or sum(amount) <> 0
       order by 1, 2, 3, 4
      on conflict (day, bank_code, status, return_code) do update
        set tx_count = m.tx_count + excluded.tx_count, amount_cents = m.amount_cents + excluded.amount_cents;
    end if;
    return null;
  end
  $fn$`.execute(db);

  await sql`create trigger monitor_transaction_daily_ins after insert on transactions
            referencing new table as new_rows for each statement
            execute function monitor_transaction_daily_apply()`.execute(db);
  await sql`create trigger monitor_transaction_daily_upd after update on transactions
            referencing old table as old_rows new table as new_rows for each statement
            execute function monitor_transaction_daily_apply()`.execute(db);
  await sql`create trigger monitor_transaction_daily_del after delete on transactions
            referencing old table as old_rows for each statement
            execute function monitor_transaction_daily_apply()`.execute(db);

  await sql`insert into monitor_transaction_daily (day, bank_code, status, return_code, tx_count, amount_cents)
            select (created_at at time zone 'Asia/Taipei')::date, bank_code, status, coalesce(return_code, ''),
                   count(*), sum(amount_cents)
              from transactions group by 1, 2, 3, 4`.execute(db);

  await sql`create index payment_batches_value_date_idx on payment_batches (value_date)`.execute(db);
  await sql`create index exceptions_created_idx on exceptions (created_at)`.execute(db);
  // transfer-history filters: keyset order (started_at desc, id desc) under each equality filter
  await sql`create index transfers_filter_idx on transfers (bank_code, direction, result, started_at desc, id desc)`.execute(
    db,
  );
  await sql`create index transfers_result_idx on transfers (result, started_at desc, id desc)`.execute(db);
  // last successful upload per bank, for the dashboard tiles
  await sql`create index transfers_last_upload_idx on transfers (bank_code, started_at desc)
            where direction = 'upload' and result <> 'failure'`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists transfers_last_upload_idx`.execute(db);
  await sql`drop index if exists transfers_result_idx`.execute(db);
  await sql`drop index if exists transfers_filter_idx`.execute(db);
  await sql`drop index if exists exceptions_created_idx`.execute(db);
  await sql`drop index if exists payment_batches_value_date_idx`.execute(db);
  await sql`drop trigger if exists monitor_transaction_daily_del on transactions`.execute(db);
  await sql`drop trigger if exists monitor_transaction_daily_upd on transactions`.execute(db);
  await sql`drop trigger if exists monitor_transaction_daily_ins on transactions`.execute(db);
  await sql`drop function if exists monitor_transaction_daily_apply()`.execute(db);
  await sql`drop table if exists monitor_transaction_daily`.execute(db);
}
