/**
 * The payment and reconciliation file formats of formats.md: `fixed_width` (house, 200 bytes), `tch_ach`
 * (Taiwan Clearing House ACH V10, 250 bytes) and `csv`. Pure code: bytes in, bytes out.
 *
 * @example
 *   const { bytes, warnings } = generatePaymentFile('fixed_width', batch, { encoding: 'Big5' });
 *   const doc = parseReconciliationFile('csv', fileBytes, { encoding: 'UTF-8', fileName: 'REC_20261126.csv' });
 */
import type { FileFormat, PaymentBatchInput, PaymentTransaction } from './batch.ts';
import { parseCsvPayment, parseCsvReconciliation, writeCsvPayment, writeCsvReconciliation } from './csv.ts';
import { type Encoding, encodeText } from './encoding.ts';
import { BatchValidationError, type FieldIssue, FormatParseError } from './errors.ts';
import {
  FixedWidthPaymentParser,
  FixedWidthReconParser,
  writeFixedWidthPayment,
  writeFixedWidthReconciliation,
} from './fixed-width.ts';
import { fromBytes, type RawLine, splitLines, splitLinesSync } from './lines.ts';
import type { ReconciliationDocument, ReconciliationInput, ReconciliationRecord } from './records.ts';
import { AchParser, achPaymentFromDetails, writeAchPayment, writeAchReturns } from './tch-ach.ts';
import { MAX_TRANSACTIONS, validatePaymentBatch } from './validate.ts';

export type { FileFormat, PaymentBatchInput, PaymentTransaction } from './batch.ts';
export { isValidTaiwanId, isValidUnifiedBusinessNumber } from './checksums.ts';
export { ACH_RETURN_CODES, RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
export type { Encoding } from './encoding.ts';
export { BatchValidationError, type FieldIssue, FormatParseError } from './errors.ts';
export type { ReconciliationDocument, ReconciliationInput, ReconciliationRecord } from './records.ts';
export { MAX_TRANSACTIONS, validatePaymentBatch } from './validate.ts';

export interface FormatOptions {
  encoding: Encoding;
}

export interface ParseOptions extends FormatOptions {
  fileName: string;
}

export function generatePaymentFile(
  format: FileFormat,
  batch: PaymentBatchInput,
  options: FormatOptions,
): { bytes: Uint8Array; warnings: FieldIssue[] } {
  const result = validatePaymentBatch(format, batch, options);
  if (result.errors.length > 0) throw new BatchValidationError(result.errors);
  const writer =
    format === 'fixed_width' ? writeFixedWidthPayment : format === 'tch_ach' ? writeAchPayment : writeCsvPayment;
  return { bytes: writer(result.normalised, options.encoding), warnings: result.warnings };
}

export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Bytes one transaction takes in a file of this format (fixed formats: one record plus CRLF). */
function transactionBytes(format: FileFormat, tx: PaymentTransaction, encoding: Encoding): number {
  if (format === 'fixed_width') return 202;
  if (format === 'tch_ach') return 252;
  const fields = [
    tx.transaction_id,
    tx.account_holder,
    tx.description ?? '',
    tx.customer_reference ?? '',
    tx.id_number,
  ];
  let bytes = 60; // seq, direction, codes, account, amount, date and separators: a generous fixed part
  for (const field of fields) bytes += (encodeText(field, encoding)?.length ?? field.length * 3) * 2 + 2;
  return bytes;
}

/**
 * Splits transactions, in order, into consecutive chunks of at most `maxTransactions` and `maxBytes` each
 * (header and trailer included, estimated from above for csv so a chunk never exceeds the limit).
 */
export function splitBatch(
  transactions: PaymentTransaction[],
  options: { format: FileFormat; encoding: Encoding; maxTransactions?: number; maxBytes?: number },
): PaymentTransaction[][] {
  const maxCount = options.maxTransactions ?? MAX_TRANSACTIONS;
  const maxBytes = (options.maxBytes ?? MAX_FILE_BYTES) - 2 * 256; // header and trailer
  const chunks: PaymentTransaction[][] = [];
  let current: PaymentTransaction[] = [];
  let bytes = 0;
  for (const tx of transactions) {
    const size = transactionBytes(options.format, tx, options.encoding);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(tx);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function wrap(error: unknown, file: string): never {
  if (error instanceof FormatParseError) throw error;
  throw new FormatParseError(
    file,
    null,
    null,
    null,
    null,
    null,
    `unreadable file: ${(error as Error)?.message ?? error}`,
  );
}

export function parsePaymentFile(format: FileFormat, bytes: Uint8Array, options: ParseOptions): PaymentBatchInput {
  const ctx = { file: options.fileName, encoding: options.encoding };
  try {
    if (format === 'csv') return parseCsvPayment(bytes, options.encoding, options.fileName);
    const lines = splitLinesSync(bytes);
    if (format === 'fixed_width') {
      const parser = new FixedWidthPaymentParser(ctx);
      for (const line of lines) parser.push(line);
      return parser.finish();
    }
    const parser = new AchParser({ ...ctx, cdata: 'ACHP01' });
    const details: Array<Record<string, string>> = [];
    for (const line of lines) {
      const d = parser.push(line);
      if (d) details.push(d);
    }
    parser.finish();
    return achPaymentFromDetails(parser, details);
  } catch (error) {
    return wrap(error, options.fileName);
  }
}

/** Streams the records of a reconciliation file; the trailer checks run at the end (a bad file throws there). */
export async function* parseReconciliationStream(
  format: FileFormat,
  source: AsyncIterable<Uint8Array>,
  options: ParseOptions,
): AsyncGenerator<ReconciliationRecord, { count: number; amount_cents: number }> {
  const ctx = { file: options.fileName, encoding: options.encoding };
  try {
    if (format === 'csv') {
      const chunks: Uint8Array[] = [];
      for await (const chunk of source) chunks.push(chunk);
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.length;
      }
      const records = parseCsvReconciliation(all, options.encoding, options.fileName);
      for (const r of records) yield r;
      return { count: records.length, amount_cents: records.reduce((s, r) => s + (r.amount_cents ?? 0), 0) };
    }
    if (format === 'fixed_width') {
      const parser = new FixedWidthReconParser(ctx);
      for await (const line of splitLines(source)) {
        const record = parser.push(line);
        if (record) yield record;
      }
      return parser.finish();
    }
    const parser = new AchParser({ ...ctx, cdata: 'ACHR01' });
    let count = 0;
    let amount = 0;
    for await (const line of splitLines(source)) {
      const d = parser.push(line as RawLine);
      if (d) {
        const record = parser.toRecord(d, line.line);
        count++;
        amount += record.amount_cents ?? 0;
        yield record;
      }
    }
    parser.finish();
    return { count, amount_cents: amount };
  } catch (error) {
    return wrap(error, options.fileName);
  }
}

export function parseReconciliationFile(
  format: FileFormat,
  bytes: Uint8Array,
  options: ParseOptions,
): ReconciliationDocument {
  const records: ReconciliationRecord[] = [];
  try {
    if (format === 'csv') {
      records.push(...parseCsvReconciliation(bytes, options.encoding, options.fileName));
    } else {
      const ctx = { file: options.fileName, encoding: options.encoding };
      if (format === 'fixed_width') {
        const parser = new FixedWidthReconParser(ctx);
        for (const line of splitLinesSync(bytes)) {
          const r = parser.push(line);
          if (r) records.push(r);
        }
        parser.finish();
      } else {
        const parser = new AchParser({ ...ctx, cdata: 'ACHR01' });
        for (const line of splitLinesSync(bytes)) {
          const d = parser.push(line);
          if (d) records.push(parser.toRecord(d, line.line));
        }
        parser.finish();
      }
    }
  } catch (error) {
    wrap(error, options.fileName);
  }
  return {
    format,
    records,
    totals: { count: records.length, amount_cents: records.reduce((s, r) => s + (r.amount_cents ?? 0), 0) },
  };
}

export function generateReconciliationFile(
  format: FileFormat,
  input: ReconciliationInput,
  options: FormatOptions,
): Uint8Array {
  if (format === 'fixed_width') return writeFixedWidthReconciliation(input, options.encoding);
  if (format === 'tch_ach') return writeAchReturns(input, options.encoding);
  return writeCsvReconciliation(input, options.encoding);
}

export { fromBytes };
