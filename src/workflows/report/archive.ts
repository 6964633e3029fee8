/**
 * Moves a business day's processed files into the archive, `<archive>/<bank>/<date>/`, each recorded with its
 * SHA-256 and an expiry after the retention period; expired archive files are deleted. A write failure (a full
 * disk) stops the archiving with a clear error and loses nothing: the batch bytes stay in the database and
 * the inbound copy of a reconciliation file is deleted only after its archive copy is safely written.
 *
 * Retention of plaintext (docs/operations.md, Retention): a payment file's plaintext holds full account and ID
 * numbers, so once a batch is `archive.retention_days` old (from when it was built) its `payment_batches.plaintext`
 * is cleared (`plaintext_purged_at` set) and its archived `.plain` copy expires the same day. The encrypted file,
 * both SHA-256 digests and the transaction rows stay.
 */
import { readFile, rm } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../../infra/db/schema.ts';
import { safeJoin, writeFileAtomically } from '../../infra/storage/local-files.ts';

export interface ArchiveResult {
  archived: number;
  purged: number;
  /** Batches whose plaintext was cleared from the database this time. */
  plaintextPurged: number;
}

/** Batch states after which the plaintext is no longer needed to deliver anything. */
const FINISHED = ['uploaded', 'confirmed', 'cancelled', 'failed'] as const;

const DAY_MS = 86_400_000;

async function keep(
  db: Kysely<Database>,
  entry: { bank_code: string; kind: string; path: string; bytes: Uint8Array; expiresAt: Date },
): Promise<boolean> {
  const existing = await db.selectFrom('archived_files').select('id').where('path', '=', entry.path).executeTakeFirst();
  if (existing) return false;
  const stored = await writeFileAtomically(entry.path, entry.bytes);
  await db
    .insertInto('archived_files')
    .values({
      bank_code: entry.bank_code,
      kind: entry.kind,
      path: stored.path,
      sha256: stored.sha256,
      bytes: stored.bytes,
      expires_at: entry.expiresAt,
    })
    .onConflict((oc) => oc.column('path').doNothing())
    .execute();
  return true;
}

export async function archiveBusinessDay(
  db: Kysely<Database>,
  options: { archiveRoot: string; businessDate: string; retentionDays: number; now: Date },
): Promise<ArchiveResult> {
  const expiresAt = new Date(options.now.getTime() + options.retentionDays * DAY_MS);
  let archived = 0;
  const batches = await db
    .selectFrom('payment_batches')
    .select(['bank_code', 'file_name', 'plaintext', 'ciphertext', 'created_at'])
    .where('value_date', '=', options.businessDate)
    .where('state', 'in', ['uploaded', 'confirmed'])
    .execute();
  for (const batch of batches) {
    const dir = [options.archiveRoot, batch.bank_code, options.businessDate];
    if (batch.ciphertext) {
      const path = safeJoin(dir[0]!, dir[1]!, dir[2]!, batch.file_name);
      if (
        await keep(db, { bank_code: batch.bank_code, kind: 'payment_sent', path, bytes: batch.ciphertext, expiresAt })
      )
        archived++;
    }
    if (batch.plaintext) {
      const path = safeJoin(dir[0]!, dir[1]!, dir[2]!, `${batch.file_name}.plain`);
      if (
        await keep(db, {
          bank_code: batch.bank_code,
          kind: 'payment_plain',
          path,
          bytes: batch.plaintext,
          // the plaintext copy lives no longer than the database's plaintext: retention counts from the build
          expiresAt: new Date(
            Math.min(expiresAt.getTime(), batch.created_at.getTime() + options.retentionDays * DAY_MS),
          ),
        })
      )
        archived++;
    }
  }

  const received = await db
    .selectFrom('reconciliation_files')
    .select(['id', 'bank_code', 'remote_name', 'stored_path', 'status'])
    .where('stored_path', 'is not', null)
    .where('status', '=', 'applied')
    .execute();
  for (const file of received) {
    if (!file.stored_path || file.stored_path.startsWith(options.archiveRoot)) continue;
    const bytes = await readFile(file.stored_path).catch(() => undefined);
    if (!bytes) continue;
    const path = safeJoin(options.archiveRoot, file.bank_code, options.businessDate, file.remote_name);
    await keep(db, { bank_code: file.bank_code, kind: 'reconciliation', path, bytes, expiresAt });
    await db.updateTable('reconciliation_files').set({ stored_path: path }).where('id', '=', file.id).execute();
    await rm(file.stored_path, { force: true });
    archived++;
  }

  const expired = await db
    .selectFrom('archived_files')
    .select(['id', 'path'])
    .where('expires_at', '<', options.now)
    .execute();
  for (const file of expired) {
    await rm(file.path, { force: true });
    await db.deleteFrom('archived_files').where('id', '=', file.id).execute();
  }
  const plaintextPurged = await purgeExpiredPlaintext(db, options);
  return { archived, purged: expired.length, plaintextPurged };
}

/** Clears the plaintext of finished batches built more than `retentionDays` ago; returns how many. */
export async function purgeExpiredPlaintext(
  db: Kysely<Database>,
  options: { retentionDays: number; now: Date },
): Promise<number> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY_MS);
  const purged = await db
    .updateTable('payment_batches')
    .set({ plaintext: null, plaintext_purged_at: options.now, updated_at: options.now })
    .where('plaintext', 'is not', null)
    .where('created_at', '<', cutoff)
    .where('state', 'in', [...FINISHED])
    .returning('id')
    .execute();
  return purged.length;
}
