// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  // A closure may be for one bank only: '*' is every bank. One override per (day, bank).
  await db.schema
    .alterTable('calendar_overrides')
    .addColumn('bank_code', 'text', (c) => c.notNull().defaultTo('*'))
    .execute();
  await db.schema.alterTable('calendar_overrides').dropConstraint('calendar_overrides_pkey').execute();
  await db.schema
    .alterTable('calendar_overrides')
    .addPrimaryKeyConstraint('calendar_overrides_pkey', ['day', 'bank_code'])
    .execute();
  // Every instance polls this one number and reloads its calendar when it moves (bumped with each change).
  await db.schema
    .createTable('calendar_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into calendar_version (id, version) values (1, 0)`.execute(db);

  // A batch built for a day that was closed afterwards waits for re-date or cancel, like cutoff_missed.
  await sql`alter table payment_batches drop constraint if exists payment_batches_state_check`.execute(db);
  await sql`alter table payment_batches add constraint payment_batches_state_check check (state in
    ('generated','encrypted','uploading','uploaded','confirmed','failed','cutoff_missed','value_date_closed','cancelled'))`.execute(
    db,
  );
  // A mismatch is named by what mismatched; a record with a code we do not know waits for the operator.
  await sql`alter table reconciliation_records drop constraint if exists reconciliation_records_match_result_check`.execute(
    db,
  );
  await sql`alter table reconciliation_records add constraint reconciliation_records_match_result_check check
    (match_result in ('matched','unmatched','amount_mismatch','account_mismatch','unknown_code','duplicate'))`.execute(
    db,
  );
  // When the plaintext (full account and ID numbers) was purged by retention; the row and its digests stay.
  await db.schema.alterTable('payment_batches').addColumn('plaintext_purged_at', 'timestamptz').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payment_batches').dropColumn('plaintext_purged_at').execute();
  await sql`alter table reconciliation_records drop constraint if exists reconciliation_records_match_result_check`.execute(
    db,
  );
  await sql`alter table reconciliation_records add constraint reconciliation_records_match_result_check check
    (match_result in ('matched','unmatched','amount_mismatch','duplicate'))`.execute(db);
  await sql`alter table payment_batches drop constraint if exists payment_batches_state_check`.execute(db);
  await sql`alter table payment_batches add constraint payment_batches_state_check check (state in
    ('generated','encrypted','uploading','uploaded','confirmed','failed','cutoff_missed','cancelled'))`.execute(db);
  await db.schema.dropTable('calendar_version').execute();
  await sql`delete from calendar_overrides where bank_code <> '*'`.execute(db);
  await db.schema.alterTable('calendar_overrides').dropConstraint('calendar_overrides_pkey').execute();
  await db.schema.alterTable('calendar_overrides').dropColumn('bank_code').execute();
  await db.schema
    .alterTable('calendar_overrides')
    .addPrimaryKeyConstraint('calendar_overrides_pkey', ['day'])
    .execute();
}
