/**
 * Turns a bank's pending invoices into payment batches, in one database transaction per bank:
 * pending invoices (locked, so a concurrent run cannot take them too) -> transactions -> validation (invalid
 * invoices are set aside with their errors, the rest proceed) -> split at 5,000 transactions / 10 MB ->
 * one `generated` batch per chunk with its file bytes and SHA-256 fixed for good.
 *
 * Exactly-once: a transaction-scoped advisory lock per (bank, value date) serialises two triggers, and the
 * unique index "one live transaction per invoice" makes a double payment impossible even if the lock were
 * bypassed. A crash before commit leaves nothing; after commit the batch is resumed from `generated`.
 */
import { type Kysely, sql } from 'kysely';
import {
  type FieldIssue,
  generatePaymentFile,
  MAX_TRANSACTIONS,
  type PaymentBatchInput,
  splitBatch,
  validatePaymentBatch,
} from '../../domain/formats/index.ts';
import { maskAccount } from '../../domain/mask.ts';
import { taipeiDate, taipeiTime } from '../../domain/taipei-time.ts';
import type { BankConfig, Config } from '../../infra/config/schema.ts';
import { lockForTransaction } from '../../infra/db/locks.ts';
import type { Database, Invoice } from '../../infra/db/schema.ts';
import { withSpan } from '../../infra/telemetry/tracing.ts';
import { sha256Hex } from '../sha256.ts';

type Transaction = PaymentBatchInput['transactions'][number];

export interface BuiltBatch {
  id: number;
  batch_number: string;
  file_name: string;
  transaction_count: number;
  total_cents: number;
  warnings: FieldIssue[];
}

export interface BuildResult {
  bank_code: string;
  batches: BuiltBatch[];
  setAside: Array<{ invoice_number: string; errors: FieldIssue[] }>;
  /** Errors that stop the whole bank's run (the batch itself is invalid, not one invoice). */
  batchErrors: FieldIssue[];
}

export interface BuildOptions {
  bank: BankConfig;
  company: Config['company'];
  valueDate: string;
  runId: string | null;
  now: Date;
}

/** `PAY_{YYYYMMDD}_{BATCH}.txt` -> `PAY_20261126_0001.txt`. */
export function paymentFileName(pattern: string, valueDate: string, batchSeq: number): string {
  return pattern
    .replaceAll('{YYYYMMDD}', valueDate.replaceAll('-', ''))
    .replaceAll('{BATCH}', String(batchSeq).padStart(4, '0'));
}

/** `CTBC202611260001`: bank, value date, 4-digit sequence; at most 20 characters (the header field). */
export function batchNumber(bankCode: string, valueDate: string, batchSeq: number): string {
  return `${bankCode.toUpperCase().slice(0, 8)}${valueDate.replaceAll('-', '')}${String(batchSeq).padStart(4, '0')}`;
}

/** ISO timestamp with the Taipei offset, as file headers want it. */
export function taipeiIso(instant: Date): string {
  return `${taipeiDate(instant)}T${taipeiTime(instant)}+08:00`;
}

function toTransaction(invoice: Invoice, transactionId: string, bank: BankConfig): Transaction {
  return {
    transaction_id: transactionId,
    direction: invoice.direction,
    txid: invoice.txid ?? (invoice.direction === 'credit' ? bank.txid.credit : bank.txid.debit),
    fisc_code: invoice.account_bank_code,
    branch_code: invoice.account_branch_code,
    account_number: invoice.account_number,
    account_holder: invoice.counterparty_name,
    amount_cents: invoice.amount_cents,
    id_number: invoice.counterparty_id_number,
    ...(invoice.description ? { description: invoice.description } : {}),
    ...(invoice.customer_reference ? { customer_reference: invoice.customer_reference } : {}),
    ...(invoice.cno ? { cno: invoice.cno } : {}),
    ...(invoice.memo ? { memo: invoice.memo } : {}),
  } as Transaction;
}

async function nextTransactionIds(trx: Kysely<Database>, count: number, valueDate: string): Promise<string[]> {
  if (count === 0) return [];
  const rows = await sql<{ n: string | number }>`
    select nextval('transaction_number_seq') as n from generate_series(1, ${count})`.execute(trx);
  const day = valueDate.replaceAll('-', '');
  return rows.rows.map((r) => `TX${day}${String(r.n).padStart(10, '0')}`);
}

export async function buildBatchesForBank(db: Kysely<Database>, options: BuildOptions): Promise<BuildResult> {
  const { bank, valueDate } = options;
  return db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, `payment-run:${bank.bank_code}:${valueDate}`);
    const invoices = await trx
      .selectFrom('invoices')
      .selectAll()
      .where('bank_code', '=', bank.bank_code)
      .where('status', '=', 'pending')
      .where('due_date', '<=', valueDate)
      .orderBy('id')
      .forUpdate()
      .skipLocked()
      .execute();
    const result: BuildResult = { bank_code: bank.bank_code, batches: [], setAside: [], batchErrors: [] };
    if (invoices.length === 0) return result;

    const ids = await nextTransactionIds(trx, invoices.length, valueDate);
    const pairs = invoices.map((invoice, i) => ({ invoice, tx: toTransaction(invoice, ids[i]!, bank) }));
    const header = (seq: number, transactions: Transaction[]): PaymentBatchInput => ({
      batch_number: batchNumber(bank.bank_code, valueDate, seq),
      created_at: taipeiIso(options.now),
      value_date: valueDate,
      file_sequence: seq,
      fisc_code: bank.fisc_code,
      originator: {
        company_code: options.company.company_code,
        company_name: options.company.company_name,
        id_number: options.company.id_number,
        bank_unit: bank.originator_account.bank_unit,
        account_number: bank.originator_account.account_number,
      },
      transactions,
    });

    // Validated a file's worth at a time: the batch limits apply to each file, not to the day's whole set, so
    // 5,001 pending invoices are two files, never one refused run (docs/operations.md, Batch splitting).
    const errorsByTx = new Map<string, FieldIssue[]>();
    for (let from = 0; from < pairs.length; from += MAX_TRANSACTIONS) {
      const slice = pairs.slice(from, from + MAX_TRANSACTIONS).map((p) => p.tx);
      const check = validatePaymentBatch(bank.file_format, header(1, slice), { encoding: bank.encoding });
      for (const error of check.errors) {
        if (error.transaction_id === null) {
          if (from === 0) result.batchErrors.push(error);
          continue;
        }
        const list = errorsByTx.get(error.transaction_id) ?? [];
        list.push(error);
        errorsByTx.set(error.transaction_id, list);
      }
    }
    if (result.batchErrors.length > 0) return result;

    const valid = pairs.filter((p) => !errorsByTx.has(p.tx.transaction_id));
    for (const p of pairs.filter((q) => errorsByTx.has(q.tx.transaction_id))) {
      const errors = errorsByTx
        .get(p.tx.transaction_id)!
        .map((e) => ({ ...e, transaction_id: p.invoice.invoice_number }));
      result.setAside.push({ invoice_number: p.invoice.invoice_number, errors });
      await trx
        .updateTable('invoices')
        .set({ status: 'set_aside', validation_errors: JSON.stringify(errors), updated_at: options.now })
        .where('id', '=', p.invoice.id)
        .execute();
    }
    if (valid.length === 0) return result;

    const byTxId = new Map(valid.map((p) => [p.tx.transaction_id, p.invoice]));
    const chunks = splitBatch(
      valid.map((p) => p.tx),
      { format: bank.file_format, encoding: bank.encoding },
    );
    const last = await trx
      .selectFrom('payment_batches')
      .select((eb) => eb.fn.max('batch_seq').as('seq'))
      .where('bank_code', '=', bank.bank_code)
      .where('value_date', '=', valueDate)
      .executeTakeFirst();
    let seq = Number(last?.seq ?? 0);

    for (const chunk of chunks) {
      seq++;
      const input = header(seq, chunk);
      const file = await withSpan(
        'file.generate',
        { 'bank.code': bank.bank_code, 'file.format': bank.file_format, 'file.transactions': chunk.length },
        () => generatePaymentFile(bank.file_format, input, { encoding: bank.encoding }),
      );
      const total = chunk.reduce((sum, t) => sum + t.amount_cents, 0);
      const fileName = paymentFileName(bank.payment_file_pattern, valueDate, seq);
      const batch = await trx
        .insertInto('payment_batches')
        .values({
          bank_code: bank.bank_code,
          value_date: valueDate,
          batch_seq: seq,
          batch_number: input.batch_number,
          run_id: options.runId,
          file_format: bank.file_format,
          file_name: fileName,
          state: 'generated',
          transaction_count: chunk.length,
          total_cents: total,
          plaintext: file.bytes,
          plaintext_sha256: sha256Hex(file.bytes),
          byte_size: file.bytes.length,
          warnings: JSON.stringify(file.warnings),
          validation_errors: JSON.stringify(result.setAside),
          created_at: options.now,
          updated_at: options.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('batch_state_history')
        .values({
          batch_id: batch.id,
          from_state: null,
          to_state: 'generated',
          reason: `run ${options.runId ?? 'manual'}`,
        })
        .execute();

      const warningsByTx = new Map<string, FieldIssue[]>();
      for (const w of file.warnings) {
        if (w.transaction_id) warningsByTx.set(w.transaction_id, [...(warningsByTx.get(w.transaction_id) ?? []), w]);
      }
      const txRows = await trx
        .insertInto('transactions')
        .values(
          chunk.map((t, i) => ({
            transaction_id: t.transaction_id,
            invoice_id: byTxId.get(t.transaction_id)!.id,
            batch_id: batch.id,
            seq: i + 1,
            bank_code: bank.bank_code,
            direction: t.direction,
            amount_cents: t.amount_cents,
            account_last4: maskAccount(t.account_number).slice(-4),
            status: 'pending' as const,
            warnings: JSON.stringify(warningsByTx.get(t.transaction_id) ?? []),
            created_at: options.now,
            updated_at: options.now,
          })),
        )
        .returning('id')
        .execute();
      await trx
        .insertInto('transaction_status_history')
        .values(
          txRows.map((r) => ({
            transaction_id: r.id,
            from_status: null,
            to_status: 'pending',
            reason: input.batch_number,
          })),
        )
        .execute();
      await trx
        .updateTable('invoices')
        .set({ status: 'batched', updated_at: options.now })
        .where(
          'id',
          'in',
          chunk.map((t) => byTxId.get(t.transaction_id)!.id),
        )
        .execute();
      result.batches.push({
        id: batch.id,
        batch_number: input.batch_number,
        file_name: fileName,
        transaction_count: chunk.length,
        total_cents: total,
        warnings: file.warnings,
      });
    }
    return result;
  });
}
