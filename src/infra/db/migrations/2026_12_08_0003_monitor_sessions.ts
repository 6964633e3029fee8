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
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('monitor_sessions').execute();
}
