/**
 * One reconciliation poll of one bank (RECONCILIATION.POLL): list the download path, take the stable files not
 * seen before, and for each: download (SHA-256 recorded), keep an inbound copy, decrypt+verify, parse, apply in
 * one transaction. A file that fails any step is quarantined with its error and nothing from it is applied; it
 * is remembered by its listing key and SHA-256, so it is not fetched again on every poll. A file listed (or
 * growing while fetched) over MAX_RECONCILIATION_FILE_BYTES is not fetched at all: left at the bank and raised.
 */
import type { Kysely } from 'kysely';
import { isOperationalError } from '../../domain/failure.ts';
import { FormatParseError, MAX_FILE_BYTES, parseReconciliationFile } from '../../domain/formats/index.ts';
import type { BankConfig } from '../../infra/config/schema.ts';
import { raiseException } from '../../infra/db/repositories/exceptions.ts';
import type { Database } from '../../infra/db/schema.ts';
import { safeJoin, writeFileAtomically } from '../../infra/storage/local-files.ts';
import type { BankCrypto, BankTransport, RemoteFile } from '../ports.ts';
import { type ApplySummary, applyReconciliationFile } from './apply-file.ts';

/**
 * Largest reconciliation file fetched. Our payment files are at most 10 MB (docs/operations.md) and the bank's answer
 * is of the same order; a file far larger is not a reconciliation file, and the download is held in memory. It
 * is left at the bank and raised (`oversized_file`), never fetched.
 */
export const MAX_RECONCILIATION_FILE_BYTES = 4 * MAX_FILE_BYTES;

/**
 * Ceiling on a decrypted reconciliation file (whole-file decryption holds it in memory). The PGP layer's
 * expansion-ratio limit stops compression bombs; this stops a file that stays just under that ratio.
 */
export const MAX_RECONCILIATION_PLAINTEXT_BYTES = 256 * 1024 * 1024;

export interface PollDeps {
  db: Kysely<Database>;
  crypto: BankCrypto;
  transport: BankTransport;
  now: () => Date;
  dataDir: string;
  instanceId: string;
  /** Default MAX_RECONCILIATION_FILE_BYTES. */
  maxFileBytes?: number;
  /** Records per result, for metrics. */
  onRecords?: (bankCode: string, summary: ApplySummary) => void;
}

export interface PollResult {
  bank_code: string;
  applied: Array<{ name: string; summary: ApplySummary }>;
  quarantined: Array<{ name: string; error: string }>;
  /** Listed but not fetched (too large); left at the bank, raised as an exception. */
  refused: Array<{ name: string; error: string }>;
  skipped: string[];
  rejectedNames: string[];
}

async function alreadyKnown(db: Kysely<Database>, bankCode: string, file: RemoteFile): Promise<boolean> {
  const row = await db
    .selectFrom('reconciliation_files')
    .select('id')
    .where('bank_code', '=', bankCode)
    .where('remote_name', '=', file.name)
    .where('remote_size', '=', file.size)
    .where('remote_mtime', '=', file.mtime)
    .executeTakeFirst();
  return !!row;
}

async function knownDigest(db: Kysely<Database>, bankCode: string, sha256: string): Promise<boolean> {
  const row = await db
    .selectFrom('reconciliation_files')
    .select('id')
    .where('bank_code', '=', bankCode)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return !!row;
}

function describeFailure(error: unknown): { cls: string; message: string } {
  if (error instanceof FormatParseError) return { cls: 'format_parse_error', message: error.message };
  if (isOperationalError(error)) return { cls: error.code, message: error.message };
  return { cls: 'unexpected', message: (error as Error)?.message ?? String(error) };
}

async function quarantine(
  deps: PollDeps,
  bank: BankConfig,
  file: RemoteFile,
  download: { bytes: Uint8Array; sha256: string },
  error: unknown,
): Promise<string> {
  const { cls, message } = describeFailure(error);
  const stored = await writeFileAtomically(
    safeJoin(deps.dataDir, 'quarantine', bank.bank_code, `${download.sha256.slice(0, 16)}-${file.name}`),
    download.bytes,
  );
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('reconciliation_files')
      .values({
        bank_code: bank.bank_code,
        remote_name: file.name,
        remote_size: file.size,
        remote_mtime: file.mtime,
        sha256: download.sha256,
        status: 'quarantined',
        error: `${cls}: ${message}`,
        stored_path: stored.path,
        received_at: deps.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto('quarantined_files')
      .values({
        bank_code: bank.bank_code,
        remote_name: file.name,
        path: stored.path,
        sha256: download.sha256,
        bytes: download.bytes.length,
        error_class: cls,
        error: message,
      })
      .execute();
  });
  await raiseException(deps.db, {
    bank_code: bank.bank_code,
    kind: 'quarantined_file',
    ref: `file:${file.name}:${download.sha256.slice(0, 16)}`,
    message: `${file.name} from ${bank.bank_code} quarantined (${cls}): ${message}`,
    details: { remote_name: file.name, sha256: download.sha256, path: stored.path, error_class: cls },
  });
  return `${cls}: ${message}`;
}

export async function pollBank(
  deps: PollDeps,
  bank: BankConfig,
  days: string[],
  signal?: AbortSignal,
): Promise<PollResult> {
  const result: PollResult = {
    bank_code: bank.bank_code,
    applied: [],
    quarantined: [],
    refused: [],
    skipped: [],
    rejectedNames: [],
  };
  const listing = await deps.transport.listStable(bank, days, signal);
  result.rejectedNames = listing.rejected;
  for (const name of listing.rejected) {
    await raiseException(deps.db, {
      bank_code: bank.bank_code,
      kind: 'rejected_remote_name',
      ref: `name:${name}`,
      message: `bank listing offered an unsafe file name, ignored: ${JSON.stringify(name)}`,
    });
  }

  for (const file of listing.files) {
    if (await alreadyKnown(deps.db, bank.bank_code, file)) {
      result.skipped.push(file.name);
      continue;
    }
    const maxBytes = deps.maxFileBytes ?? MAX_RECONCILIATION_FILE_BYTES;
    const refuse = async (what: string) => {
      const message = `${file.name} from ${bank.bank_code} ${what}, over the limit of ${maxBytes} bytes: not downloaded`;
      await raiseException(deps.db, {
        bank_code: bank.bank_code,
        kind: 'oversized_file',
        // one open exception per name while the file stays there, whatever its size on each poll
        ref: `file:${file.name}`,
        message,
        details: { remote_name: file.name, size: file.size, limit: maxBytes },
      });
      result.refused.push({ name: file.name, error: `file_too_large: ${message}` });
    };
    if (file.size > maxBytes) {
      await refuse(`is ${file.size} bytes`);
      continue;
    }
    const started = deps.now();
    let download: Awaited<ReturnType<BankTransport['download']>>;
    try {
      download = await deps.transport.download(bank, file.name, signal);
    } catch (error) {
      // listed under the limit, but more arrived (still being written, or a server that lies): same refusal
      if (!isOperationalError(error) || error.code !== 'too_large') throw error;
      await refuse(`grew past the limit while downloading (listed at ${file.size} bytes)`);
      continue;
    }
    await deps.db
      .insertInto('transfers')
      .values({
        bank_code: bank.bank_code,
        direction: 'download',
        remote_path: `${bank.download_path}/${file.name}`,
        bytes: download.bytes.length,
        sha256: download.sha256,
        duration_ms: Math.round(download.durationMs),
        result: 'success',
        instance_id: deps.instanceId,
        started_at: started,
      })
      .execute();
    if (await knownDigest(deps.db, bank.bank_code, download.sha256)) {
      result.skipped.push(file.name);
      continue;
    }
    const inbound = await writeFileAtomically(
      safeJoin(deps.dataDir, 'inbound', bank.bank_code, `${download.sha256.slice(0, 16)}-${file.name}`),
      download.bytes,
    );

    let parsed: ReturnType<typeof parseReconciliationFile>;
    try {
      const plaintext = await deps.crypto.open(bank, file.name, download.bytes);
      parsed = parseReconciliationFile(bank.file_format, plaintext, { encoding: bank.encoding, fileName: file.name });
    } catch (error) {
      result.quarantined.push({ name: file.name, error: await quarantine(deps, bank, file, download, error) });
      continue;
    }
    const summary = await applyReconciliationFile(
      deps.db,
      {
        bank_code: bank.bank_code,
        format: bank.file_format,
        remote_name: file.name,
        remote_size: file.size,
        remote_mtime: file.mtime,
        sha256: download.sha256,
        stored_path: inbound.path,
        records: parsed.records as never,
      },
      deps.now(),
    );
    if (summary.alreadyApplied) result.skipped.push(file.name);
    else {
      result.applied.push({ name: file.name, summary });
      deps.onRecords?.(bank.bank_code, summary);
    }
  }
  return result;
}
