/**
 * A whole business day against the sandbox banks, driven by the real clock actor on simulated time:
 * 06:00 payment run -> files signed, encrypted and uploaded -> the banks answer -> the 08:00… polls apply the
 * answers -> the 19:00 report. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, taipei } from './support/system-harness.ts';

const DAY = '2026-11-26';

describe('a simulated business day against the sandbox banks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: taipei(DAY, '00:00') });
    await h.advanceTo(taipei(DAY, '20:00'));
  }, 300_000);
  afterAll(() => h?.stop());

  it('ends every demo invoice paid, returned with the bank reason, or set aside with its validation error', async () => {
    const invoices = await h.database.db.selectFrom('invoices').selectAll().execute();
    expect(invoices.length).toBe(40);
    const byStatus: Record<string, typeof invoices> = {};
    for (const i of invoices) {
      byStatus[i.status] ??= [];
      byStatus[i.status]!.push(i);
    }
    expect(Object.keys(byStatus).sort()).toEqual(['paid', 'returned', 'set_aside']);
    expect(byStatus.set_aside!.map((i) => i.counterparty_name)).toEqual(['王堃']);
    expect(JSON.stringify(byStatus.set_aside![0]!.validation_errors)).toContain('堃');
    const returned = await h.database.db
      .selectFrom('transactions')
      .select(['return_code', 'return_reason'])
      .where('status', '=', 'returned')
      .execute();
    expect(returned.length).toBe(byStatus.returned!.length);
    for (const r of returned) {
      expect(r.return_code).toMatch(/^R0[134]$/);
      expect(r.return_reason).toMatch(/餘額不足|無此帳號|帳號錯誤/);
    }
  });

  it('put exactly one file per bank at the bank, byte-identical to the ledger, and confirmed every batch', async () => {
    const batches = await h.database.db.selectFrom('payment_batches').selectAll().orderBy('bank_code').execute();
    expect(batches.map((b) => [b.bank_code, b.state])).toEqual(
      ['ctbc', 'esun', 'first', 'mega', 'taishin'].map((b) => [b, 'confirmed']),
    );
    for (const batch of batches) {
      const bank = h.config.banks.find((b) => b.bank_code === batch.bank_code)!;
      const dir = join(h.config.sandbox.dir, bank.bank_code, bank.upload_path);
      const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
      expect(files).toEqual([batch.file_name]);
      const sha = createHash('sha256')
        .update(readFileSync(join(dir, batch.file_name)))
        .digest('hex');
      expect(sha).toBe(batch.ciphertext_sha256);
    }
  });

  it('stored a daily report whose totals equal the database', async () => {
    const report = await h.database.db
      .selectFrom('daily_reports')
      .selectAll()
      .where('business_date', '=', DAY)
      .executeTakeFirstOrThrow();
    const summary = report.summary as { totals: { transactions: number; amount_cents: number; settled_cents: number } };
    const db = await h.database.db
      .selectFrom('transactions')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('amount_cents').as('cents')])
      .executeTakeFirstOrThrow();
    const settled = await h.database.db
      .selectFrom('transactions')
      .select((eb) => eb.fn.sum<number>('amount_cents').as('cents'))
      .where('status', '=', 'settled')
      .executeTakeFirstOrThrow();
    expect(summary.totals.transactions).toBe(Number(db.n));
    expect(summary.totals.amount_cents).toBe(Number(db.cents));
    expect(summary.totals.settled_cents).toBe(Number(settled.cents));
    expect(report.text_body).toContain(`daily report for ${DAY}`);
    const mails = await h.database.db.selectFrom('outbox_messages').select('subject').execute();
    expect(mails.map((m) => m.subject)).toContain(`banking-sftp daily report ${DAY}`);
  });

  it('recorded every transfer with its SHA-256 and archived the day', async () => {
    const transfers = await h.database.db.selectFrom('transfers').selectAll().execute();
    expect(transfers.filter((t) => t.direction === 'upload' && t.result === 'success')).toHaveLength(5);
    expect(transfers.filter((t) => t.direction === 'download' && t.result === 'success')).toHaveLength(5);
    for (const t of transfers) expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
    const archived = await h.database.db.selectFrom('archived_files').selectAll().execute();
    expect(archived.length).toBe(15);
  });

  it('never logged a full account or ID number', async () => {
    const log = h.logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    const invoices = await h.database.db
      .selectFrom('invoices')
      .select(['account_number', 'counterparty_id_number'])
      .execute();
    for (const i of invoices) {
      expect(log).not.toContain(i.account_number);
      expect(log).not.toContain(i.counterparty_id_number);
    }
  });
});
