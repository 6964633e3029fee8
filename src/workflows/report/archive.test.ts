/**
 * Retention of plaintext: a payment file's plaintext (full account and ID numbers) is cleared from the database
 * and its archived `.plain` copy deleted once the batch is `retention_days` old; the encrypted file, both
 * SHA-256 digests and the transaction rows stay. A younger batch keeps its plaintext.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { demoInvoices } from '../../infra/db/seed-demo.ts';
import { archiveBusinessDay } from './archive.ts';

const OLD_DAY = '2026-10-01';
const NEW_DAY = '2026-11-05';
const built = (day: string) => new Date(`${day}T06:00:00+08:00`);

describe('plaintext retention', () => {
  let handle: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    handle = await openTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'archive-'));
    for (const [seq, day] of [OLD_DAY, NEW_DAY].entries()) {
      const [invoice] = demoInvoices({ dueDate: day, bankCodes: ['mega'], perBank: 1 });
      const inv = await handle.db.insertInto('invoices').values(invoice!).returning('id').executeTakeFirstOrThrow();
      const batch = await handle.db
        .insertInto('payment_batches')
        .values({
          bank_code: 'mega',
          value_date: day,
          batch_seq: seq + 1,
          batch_number: `MEGA${day.replaceAll('-', '')}0001`,
          file_format: 'fixed_width',
          file_name: `PAY_${day.replaceAll('-', '')}_0001.txt`,
          state: 'confirmed',
          transaction_count: 1,
          total_cents: invoice!.amount_cents,
          plaintext: new TextEncoder().encode(`plain ${invoice!.account_number}`),
          plaintext_sha256: 'a'.repeat(64),
          ciphertext: new Uint8Array([1, 2, 3]),
          ciphertext_sha256: 'b'.repeat(64),
          created_at: built(day),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await handle.db
        .insertInto('transactions')
        .values({
          transaction_id: `TX${day.replaceAll('-', '')}0000000001`,
          invoice_id: inv.id,
          batch_id: batch.id,
          seq: 1,
          bank_code: 'mega',
          direction: 'credit',
          amount_cents: invoice!.amount_cents,
          account_last4: '0000',
          status: 'settled',
        })
        .execute();
    }
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the archived .plain copy expires with the plaintext, counted from the day the batch was built', async () => {
    const result = await archiveBusinessDay(handle.db, {
      archiveRoot: dir,
      businessDate: OLD_DAY,
      retentionDays: 30,
      now: built(OLD_DAY),
    });
    expect(result).toMatchObject({ archived: 2, plaintextPurged: 0 });
    expect(existsSync(join(dir, 'mega', OLD_DAY, 'PAY_20261001_0001.txt.plain'))).toBe(true);
  });

  it('after retention_days the plaintext is gone from the database and the archive; the rest stays', async () => {
    const result = await archiveBusinessDay(handle.db, {
      archiveRoot: dir,
      businessDate: NEW_DAY,
      retentionDays: 30,
      now: built(NEW_DAY),
    });
    expect(result.plaintextPurged).toBe(1);
    const rows = await handle.db
      .selectFrom('payment_batches')
      .select(['value_date', 'plaintext', 'plaintext_purged_at', 'ciphertext', 'plaintext_sha256', 'ciphertext_sha256'])
      .orderBy('value_date')
      .execute();
    expect(rows[0]).toMatchObject({
      value_date: OLD_DAY,
      plaintext: null,
      plaintext_purged_at: built(NEW_DAY),
      plaintext_sha256: 'a'.repeat(64),
      ciphertext_sha256: 'b'.repeat(64),
    });
    expect(rows[0]!.ciphertext).not.toBeNull();
    expect(rows[1]!.plaintext).not.toBeNull();
    expect(rows[1]!.plaintext_purged_at).toBeNull();
    expect(existsSync(join(dir, 'mega', OLD_DAY, 'PAY_20261001_0001.txt.plain'))).toBe(false);
    const plainCopies = await handle.db
      .selectFrom('archived_files')
      .select('path')
      .where('kind', '=', 'payment_plain')
      .execute();
    expect(plainCopies.map((c) => c.path)).toEqual([join(dir, 'mega', NEW_DAY, 'PAY_20261105_0001.txt.plain')]);
    expect(await handle.db.selectFrom('transactions').select('id').execute()).toHaveLength(2);
  });
});
