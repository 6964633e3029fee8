// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Transaction ids come from one sequence, so two instances can never mint the same id.
  await sql`create sequence transaction_number_seq`.execute(db);
  // One payment run at a time: a second trigger while one runs is refused (the API answers 409).
  await sql`create unique index payment_runs_one_running on payment_runs ((true)) where status = 'running'`.execute(db);
  await db.schema.alterTable('payment_runs').addColumn('heartbeat_at', 'timestamptz').execute();
  await db.schema.alterTable('payment_runs').addColumn('summary', 'jsonb').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payment_runs').dropColumn('summary').execute();
  await db.schema.alterTable('payment_runs').dropColumn('heartbeat_at').execute();
  await sql`drop index payment_runs_one_running`.execute(db);
  await sql`drop sequence transaction_number_seq`.execute(db);
}
