// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Which instance works for which bank. A row per bank; a lease past expires_at is free for anyone to take.
  await db.schema
    .createTable('bank_leases')
    .addColumn('bank_code', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz')
    .execute();
  // Live instances (heartbeat), so each takes its fair share of the banks and no more.
  await db.schema
    .createTable('service_instances')
    .addColumn('instance_id', 'text', (c) => c.primaryKey())
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_instances').execute();
  await db.schema.dropTable('bank_leases').execute();
}
