// Frozen in time: a migration never imports application code, so it reads the same in a year.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;

  await db.schema
    .createTable('invoices')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('invoice_number', 'text', (c) => c.notNull().unique())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('credit','debit')`))
    .addColumn('counterparty_name', 'text', (c) => c.notNull())
    .addColumn('counterparty_id_number', 'text', (c) => c.notNull())
    .addColumn('account_bank_code', 'text', (c) => c.notNull())
    .addColumn('account_branch_code', 'text', (c) => c.notNull())
    .addColumn('account_number', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn('due_date', 'date', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('customer_reference', 'text')
    .addColumn('cno', 'text')
    .addColumn('txid', 'text')
    .addColumn('memo', 'text')
    // pending -> batched -> paid | returned; set_aside when validation refuses it; cancelled by an operator
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','batched','paid','returned','set_aside','cancelled')`),
    )
    .addColumn('validation_errors', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex('invoices_pending_idx')
    .on('invoices')
    .columns(['bank_code', 'status', 'due_date'])
    .execute();

  await db.schema
    .createTable('payment_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('value_date', 'date', (c) => c.notNull())
    .addColumn('bank_codes', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('running').check(sql`status in ('running','succeeded','partial','failed')`),
    )
    .addColumn('instance_id', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('payment_batches')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('value_date', 'date', (c) => c.notNull())
    .addColumn('batch_seq', 'integer', (c) => c.notNull().check(sql`batch_seq between 1 and 9999`))
    .addColumn('batch_number', 'text', (c) => c.notNull().unique())
    .addColumn('run_id', 'text', (c) => c.references('payment_runs.id'))
    .addColumn('file_format', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('generated')
        .check(
          sql`state in ('generated','encrypted','uploading','uploaded','confirmed','failed','cutoff_missed','cancelled')`,
        ),
    )
    .addColumn('transaction_count', 'integer', (c) => c.notNull())
    .addColumn('total_cents', 'bigint', (c) => c.notNull())
    .addColumn('plaintext', 'bytea')
    .addColumn('plaintext_sha256', 'text')
    .addColumn('ciphertext', 'bytea')
    .addColumn('ciphertext_sha256', 'text')
    .addColumn('byte_size', 'bigint')
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('validation_errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('uploaded_at', 'timestamptz')
    .addColumn('confirmed_at', 'timestamptz')
    // a batch number is unique per bank and day: the file name derives from it
    .addUniqueConstraint('payment_batches_bank_day_seq_key', ['bank_code', 'value_date', 'batch_seq'])
    .execute();
  await db.schema
    .createIndex('payment_batches_state_idx')
    .on('payment_batches')
    .columns(['state', 'bank_code'])
    .execute();

  await db.schema
    .createTable('batch_state_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('batch_id', 'bigint', (c) => c.notNull().references('payment_batches.id'))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('actor', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('transactions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().unique())
    .addColumn('invoice_id', 'bigint', (c) => c.notNull().references('invoices.id'))
    .addColumn('batch_id', 'bigint', (c) => c.notNull().references('payment_batches.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn('account_last4', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','sent','settled','returned','failed','cancelled')`),
    )
    .addColumn('return_code', 'text')
    .addColumn('return_reason', 'text')
    .addColumn('bank_reference', 'text')
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('expected_result_by', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('transactions_batch_seq_key', ['batch_id', 'seq'])
    .execute();
  // An invoice is in at most one live transaction: the rule that stops a supplier being paid twice.
  await sql`create unique index transactions_one_live_per_invoice on transactions (invoice_id)
            where status not in ('failed','cancelled')`.execute(db);
  await db.schema.createIndex('transactions_status_idx').on('transactions').columns(['bank_code', 'status']).execute();
  await db.schema.createIndex('transactions_created_idx').on('transactions').column('created_at').execute();

  await db.schema
    .createTable('transaction_status_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('transaction_id', 'bigint', (c) => c.notNull().references('transactions.id'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex('transaction_status_history_tx_idx')
    .on('transaction_status_history')
    .column('transaction_id')
    .execute();

  await db.schema
    .createTable('transfers')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('upload','download')`))
    .addColumn('remote_path', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sha256', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('result', 'text', (c) => c.notNull().check(sql`result in ('success','failure','already_done')`))
    .addColumn('error', 'text')
    .addColumn('error_class', 'text')
    .addColumn('batch_id', 'bigint', (c) => c.references('payment_batches.id'))
    .addColumn('instance_id', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex('transfers_history_idx')
    .on('transfers')
    .columns(['started_at desc', 'id desc'])
    .execute();
  await db.schema.createIndex('transfers_bank_idx').on('transfers').columns(['bank_code', 'started_at']).execute();

  await db.schema
    .createTable('retry_queue')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // what is retried: a batch id for uploads, a remote name for downloads
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','in_progress','done','manual_intervention','cancelled')`),
    )
    .addColumn('last_error', 'text')
    .addColumn('error_class', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  // One open entry per thing to retry: a second failure updates it rather than queueing the work twice.
  await sql`create unique index retry_queue_one_open on retry_queue (bank_code, kind, ref)
            where status in ('pending','in_progress','manual_intervention')`.execute(db);
  await db.schema.createIndex('retry_queue_due_idx').on('retry_queue').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('reconciliation_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('remote_name', 'text', (c) => c.notNull())
    .addColumn('remote_size', 'bigint', (c) => c.notNull())
    .addColumn('remote_mtime', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('received').check(sql`status in ('received','applied','quarantined')`),
    )
    .addColumn('error', 'text')
    .addColumn('record_count', 'integer')
    .addColumn('stored_path', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('applied_at', 'timestamptz')
    .addUniqueConstraint('reconciliation_files_listing_key', [
      'bank_code',
      'remote_name',
      'remote_size',
      'remote_mtime',
    ])
    .addUniqueConstraint('reconciliation_files_content_key', ['bank_code', 'sha256'])
    .execute();

  await db.schema
    .createTable('reconciliation_records')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('file_id', 'bigint', (c) => c.notNull().references('reconciliation_files.id'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer')
    .addColumn('transaction_id', 'text')
    .addColumn('bank_reference', 'text')
    .addColumn('code', 'text')
    .addColumn('message', 'text')
    .addColumn('record_date', 'date')
    .addColumn('amount_cents', 'bigint')
    .addColumn('unknown_code', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('matched_transaction', 'bigint', (c) => c.references('transactions.id'))
    .addColumn('match_result', 'text', (c) =>
      c.notNull().check(sql`match_result in ('matched','unmatched','amount_mismatch','duplicate')`),
    )
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addUniqueConstraint('reconciliation_records_file_line_key', ['file_id', 'line'])
    .execute();
  await db.schema
    .createIndex('reconciliation_records_tx_idx')
    .on('reconciliation_records')
    .column('matched_transaction')
    .execute();

  await db.schema
    .createTable('exceptions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','resolved')`))
    .addColumn('notified_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  // The same problem found on two polls is one exception, not two.
  await sql`create unique index exceptions_one_open on exceptions (bank_code, kind, ref) where status = 'open'`.execute(
    db,
  );

  await db.schema
    .createTable('bank_state')
    .addColumn('bank_code', 'text', (c) => c.primaryKey())
    .addColumn('breaker_state', 'text', (c) =>
      c.notNull().defaultTo('closed').check(sql`breaker_state in ('closed','open','half_open')`),
    )
    .addColumn('breaker_reason', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('open_until', 'timestamptz')
    .addColumn('health', 'text', (c) =>
      c.notNull().defaultTo('healthy').check(sql`health in ('healthy','degraded','down')`),
    )
    .addColumn('manual_intervention', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('manual_reason', 'text')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_failure_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('tick_dispatch')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dispatched_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('catch_up', 'boolean', (c) => c.notNull().defaultTo(false))
    // a tick is dispatched at most once, whoever leads
    .addPrimaryKeyConstraint('tick_dispatch_pkey', ['event', 'scheduled_at'])
    .execute();

  await db.schema
    .createTable('calendar_overrides')
    .addColumn('day', 'date', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('holiday','workday')`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer','operator')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('outbox_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email','webhook')`))
    .addColumn('recipients', 'jsonb', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending','sent','failed','logged')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('sent_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('daily_reports')
    .addColumn('business_date', 'date', (c) => c.primaryKey())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('archived_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull().unique())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('archived_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('quarantined_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('bank_code', 'text', (c) => c.notNull())
    .addColumn('remote_name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('error_class', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'quarantined_files',
    'archived_files',
    'daily_reports',
    'outbox_messages',
    'api_tokens',
    'audit_log',
    'calendar_overrides',
    'tick_dispatch',
    'bank_state',
    'exceptions',
    'reconciliation_records',
    'reconciliation_files',
    'retry_queue',
    'transfers',
    'transaction_status_history',
    'transactions',
    'batch_state_history',
    'payment_batches',
    'payment_runs',
    'invoices',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
