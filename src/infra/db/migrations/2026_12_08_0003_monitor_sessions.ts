// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Operations-page sign-ins. The cookie carries a random id; only its SHA-256 is stored, so a database read
  // does not yield a usable session. A session dies with its token (revoked token = no session).
  await db.schema
    .createTable('monitor_sessions')
    .addColumn('id_sha256', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'integer', (c) => c.notNull().references('api_tokens.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('monitor_sessions_expires_at').on('monitor_sessions').column('expires_at').execute();
  // Failed notices are retried with backoff (next_attempt_at); a notice that several instances would each send
  // (a breaker opening, a key near expiry) carries a dedupe_key, and the unique index lets only one in.
  await db.schema.alterTable('outbox_messages').addColumn('next_attempt_at', 'timestamptz').execute();
  await db.schema.alterTable('outbox_messages').addColumn('dedupe_key', 'text').execute();
  await db.schema
    .createIndex('outbox_messages_dedupe_key')
    .unique()
    .on('outbox_messages')
    .column('dedupe_key')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_messages_dedupe_key').execute();
  await db.schema.alterTable('outbox_messages').dropColumn('dedupe_key').execute();
  await db.schema.alterTable('outbox_messages').dropColumn('next_attempt_at').execute();
  await db.schema.dropTable('monitor_sessions').execute();
}
