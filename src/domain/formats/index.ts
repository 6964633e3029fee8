/**
 * The payment and reconciliation file formats of docs/formats.md: `fixed_width` (house, 200 bytes),
 * `tch_ach` (Taiwan Clearing House ACH V10, 250 bytes) and `csv`. Pure code: bytes in, bytes out.
 *
 * @example
 *   const { bytes, warnings } = generatePaymentFile('fixed_width', batch, { encoding: 'Big5' });
 *   const doc = parseReconciliationFile('csv', fileBytes, { encoding: 'UTF-8', fileName: 'REC_20261126.csv' });
 *   for await (const record of parseReconciliationStream('fixed_width', chunks, options)) …
 */
import {
  CsvPaymentParser,
  CsvReader,
  CsvReconciliationParser,
  writeCsvPayment,
  writeCsvReconciliation,
} from './csv.ts';
import { BatchValidationError, FormatParseError } from './errors.ts';
import {
  FixedWidthPaymentParser,
  FixedWidthReconciliationParser,
  writeFixedWidthPayment,
  writeFixedWidthReconciliation,
} from './fixed-width.ts';
import { forEachLine, type RawLine, splitLines, splitLinesStream } from './lines.ts';
import { AchParser, achPaymentBatch, achRecord, achTransaction, writeAchPayment, writeAchReturns } from './tch-ach.ts';
import type {
  FieldIssue,
  FileFormat,
  FormatOptions,
  ParseOptions,
  PaymentBatchInput,
  PaymentTransaction,
  ReconciliationDocument,
  ReconciliationInput,
  ReconciliationRecord,
} from './types.ts';
import { MAX_FILE_BYTES, validatePaymentBatch } from './validate.ts';

export { isValidTaiwanId, isValidUnifiedBusinessNumber } from './checksums.ts';
export { ACH_RETURN_CODES, RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
export { BatchValidationError, FormatParseError } from './errors.ts';
export { splitBatch } from './split.ts';
export type {
  Encoding,
  FieldIssue,
  FileFormat,
  FormatOptions,
  Originator,
  ParseOptions,
  PaymentBatchInput,
  PaymentTransaction,
  ReconciliationDocument,
  ReconciliationInput,
  ReconciliationRecord,
  ReconciliationTotals,
} from './types.ts';
export { isValidIdNumber, MAX_FILE_BYTES, MAX_TRANSACTIONS, validatePaymentBatch } from './validate.ts';

/** Validates, then writes. Throws BatchValidationError (nothing written) when any error is found. */
export function generatePaymentFile(
  format: FileFormat,
  batch: PaymentBatchInput,
  options: FormatOptions,
): { bytes: Uint8Array; warnings: FieldIssue[] } {
  const { errors, warnings, normalised } = validatePaymentBatch(format, batch, options);
  if (errors.length > 0) throw new BatchValidationError(errors);
  const write =
    format === 'fixed_width' ? writeFixedWidthPayment : format === 'tch_ach' ? writeAchPayment : writeCsvPayment;
  const bytes = write(normalised, options.encoding);
  // Only a csv file with very long texts can pass 10 MB within 5,000 transactions; splitBatch avoids it upstream.
  if (bytes.length > MAX_FILE_BYTES) {
    throw new BatchValidationError([
      {
        transaction_id: null,
        field: 'transactions',
        message: `the file would be ${bytes.length} bytes, over the ${MAX_FILE_BYTES}-byte limit: split the batch`,
        value: String(bytes.length),
      },
    ]);
  }
  return { bytes, warnings };
}

/** The reconciliation writer (the sandbox bank's answer): the inverse of parseReconciliationFile. */
export function generateReconciliationFile(
  format: FileFormat,
  input: ReconciliationInput,
  options: FormatOptions,
): Uint8Array {
  if (format === 'fixed_width') return writeFixedWidthReconciliation(input, options.encoding);
  if (format === 'tch_ach') return writeAchReturns(input, options.encoding);
  return writeCsvReconciliation(input, options.encoding);
}

/** An error of the byte source itself (a read failed): it leaves as it came, it says nothing about the file. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

async function* readSource(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        done = true;
        throw new SourceFailure(error);
      }
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // a parse error (or a consumer that stops early) closes the source, e.g. the file being read
    if (!done) await iterator.return?.();
  }
}

/** Anything unexpected inside a parser still leaves as a FormatParseError naming the file. */
function asParseError(error: unknown, file: string): FormatParseError {
  if (error instanceof SourceFailure) throw error.error;
  if (error instanceof FormatParseError) return error;
  return new FormatParseError({ file, message: `unreadable file: ${(error as Error)?.message ?? String(error)}` });
}

function allRecordsShort(bytes: Uint8Array): boolean {
  for (const raw of splitLines(bytes)) {
    const n = raw.bytes.length - (raw.bytes[raw.bytes.length - 1] === 0x0d ? 1 : 0);
    if (n > 160) return false;
  }
  return true;
}

/** Parses a whole payment file back into the batch.json shape (what the format carries; docs/cli.md). */
export function parsePaymentFile(format: FileFormat, bytes: Uint8Array, options: ParseOptions): PaymentBatchInput {
  const file = options.fileName;
  try {
    if (format === 'csv') {
      const reader = new CsvReader(options.encoding, file);
      const parser = new CsvPaymentParser(file);
      for (const r of reader.push(bytes)) parser.push(r);
      for (const r of reader.end()) parser.push(r);
      return parser.finish();
    }
    if (format === 'fixed_width') {
      const parser = new FixedWidthPaymentParser(file, options.encoding);
      forEachLine(bytes, (line) => parser.push(line));
      return parser.finish();
    }
    const parser = new AchParser(file, options.encoding, 'ACHP01', allRecordsShort(bytes));
    let first: { cid: string | null; pclno: string } | undefined;
    const transactions: PaymentTransaction[] = [];
    forEachLine(bytes, (line) => {
      const d = parser.push(line);
      if (d) {
        first ??= { cid: d.reader.text('cid'), pclno: d.reader.raw('pclno') };
        transactions.push(achTransaction(d));
      }
    });
    parser.finish();
    if (transactions.length === 0) throw new FormatParseError({ file, message: 'the file has no detail records' });
    return achPaymentBatch(parser.headerReader(), first, parser.tdateIso, transactions);
  } catch (error) {
    throw asParseError(error, file);
  }
}

interface LineParser {
  push(line: RawLine): ReconciliationRecord | null;
  finish(): void;
}

function reconciliationLineParser(format: 'fixed_width' | 'tch_ach', options: ParseOptions, allShort: boolean | null) {
  if (format === 'fixed_width') return new FixedWidthReconciliationParser(options.fileName, options.encoding);
  const ach = new AchParser(options.fileName, options.encoding, 'ACHR01', allShort);
  return {
    push: (line: RawLine) => {
      const d = ach.push(line);
      return d ? achRecord(d, ach.tdateIso) : null;
    },
    finish: () => {
      ach.finish();
    },
  } satisfies LineParser;
}

/** Parses a whole reconciliation file; all records or a FormatParseError, never half a file. */
export function parseReconciliationFile(
  format: FileFormat,
  bytes: Uint8Array,
  options: ParseOptions,
): ReconciliationDocument {
  const records: ReconciliationRecord[] = [];
  try {
    if (format === 'csv') {
      const reader = new CsvReader(options.encoding, options.fileName);
      const parser = new CsvReconciliationParser(options.fileName);
      for (const rows of [reader.push(bytes), reader.end()]) {
        for (const row of rows) {
          const r = parser.push(row);
          if (r) records.push(r);
        }
      }
      parser.finish();
    } else {
      const parser = reconciliationLineParser(format, options, format === 'tch_ach' ? allRecordsShort(bytes) : null);
      forEachLine(bytes, (line) => {
        const r = parser.push(line);
        if (r) records.push(r);
      });
      parser.finish();
    }
  } catch (error) {
    throw asParseError(error, options.fileName);
  }
  let amount = 0;
  for (const r of records) amount += r.amount_cents ?? 0;
  return { format, records, totals: { count: records.length, amount_cents: amount } };
}

/**
 * Streams the records of a reconciliation file in flat memory. The trailer checks run when the source ends: a
 * consumer must treat the records as provisional until the iteration completes without a FormatParseError.
 */
export async function* parseReconciliationStream(
  format: FileFormat,
  source: AsyncIterable<Uint8Array>,
  options: ParseOptions,
): AsyncGenerator<ReconciliationRecord> {
  try {
    if (format === 'csv') {
      const reader = new CsvReader(options.encoding, options.fileName);
      const parser = new CsvReconciliationParser(options.fileName);
      for await (const chunk of readSource(source)) {
        for (const row of reader.push(chunk)) {
          const r = parser.push(row);
          if (r) yield r;
        }
      }
      for (const row of reader.end()) {
        const r = parser.push(row);
        if (r) yield r;
      }
      parser.finish();
      return;
    }
    const parser = reconciliationLineParser(format, options, null);
    for await (const lines of splitLinesStream(readSource(source), options.fileName)) {
      for (const line of lines) {
        const r = parser.push(line);
        if (r) yield r;
      }
    }
    parser.finish();
  } catch (error) {
    throw asParseError(error, options.fileName);
  }
}

/** One chunk as an async source, for parseReconciliationStream over bytes already in memory. */
export async function* bytesSource(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
