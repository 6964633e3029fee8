/**
 * `fixed_width`: the house format, 200-byte records (docs/formats.md, fixed_width). Writers and parsers for the payment file
 * (H, D…, T) and the reconciliation file (optional H, D/R…, optional T), driven by the record tables.
 */
import { RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
import { taipeiStamp, toYmd } from './dates.ts';
import { FormatParseError } from './errors.ts';
import { fieldsByName, writeDigitsField, writeNumberField, writeRecord, writeTextField } from './field-table.ts';
import { FIXED_WIDTH_DETAIL, TRANSACTION_TYPE } from './fixed-width-detail.ts';
import { FIXED_WIDTH_HEADER, FORMAT_VERSION } from './fixed-width-header.ts';
import { FIXED_WIDTH_RECON_DETAIL } from './fixed-width-recon-detail.ts';
import { FIXED_WIDTH_RECON_RETURN } from './fixed-width-recon-return.ts';
import { addToHash, FIXED_WIDTH_TRAILER } from './fixed-width-trailer.ts';
import { type RawLine, recordOf } from './lines.ts';
import { lineError, RecordReader } from './record-reader.ts';
import type {
  Encoding,
  PaymentBatchInput,
  PaymentTransaction,
  ReconciliationInput,
  ReconciliationRecord,
  ReconciliationTotals,
} from './types.ts';

export const FIXED_WIDTH_RECORD = 200;
const LINE = FIXED_WIDTH_RECORD + 2;
/** The D record's fields, resolved once rather than looked up by name for every detail record. */
const D = fieldsByName(FIXED_WIDTH_DETAIL, [
  'record_type',
  'sequence',
  'transaction_id',
  'transaction_type',
  'account_bank_code',
  'account_branch_code',
  'account_number',
  'account_holder',
  'amount',
  'value_date',
  'id_number',
  'description',
  'customer_reference',
]);

/**
 * `size` bytes of 0x20 in a plain Uint8Array. The memory comes unzeroed (Buffer.allocUnsafeSlow, outside the
 * pool): `new Uint8Array(size).fill(0x20)` writes a megabyte file twice.
 */
function spaces(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size).fill(0x20);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}

function crlf(out: Uint8Array, offset: number) {
  out[offset + FIXED_WIDTH_RECORD] = 0x0d;
  out[offset + FIXED_WIDTH_RECORD + 1] = 0x0a;
}

const TYPE_AT = D.transaction_type.start - 1;
const CREDIT = [TRANSACTION_TYPE.credit.charCodeAt(0), TRANSACTION_TYPE.credit.charCodeAt(1)] as const;
const DEBIT = [TRANSACTION_TYPE.debit.charCodeAt(0), TRANSACTION_TYPE.debit.charCodeAt(1)] as const;

/** TRANSACTION_TYPE[direction] as two byte stores: no string and no lookup by a varying key per record. */
function writeTransactionType(direction: PaymentTransaction['direction'], out: Uint8Array, offset: number) {
  const code = direction === 'credit' ? CREDIT : DEBIT;
  out[offset + TYPE_AT] = code[0];
  out[offset + TYPE_AT + 1] = code[1];
}

/**
 * The D records, one per transaction from line 2, adding up the trailer's sums in `sums`. A function of its own
 * that ends with its loop: the loop is compiled while it runs (on-stack replacement), before any code after it
 * has run, and such code (the trailer, when it was here) deoptimised the compiled loop at its exit on every call.
 */
function writeDetailRecords(
  transactions: readonly PaymentTransaction[],
  valueDate: string,
  encoding: Encoding,
  out: Uint8Array,
  sums: { total: number; hash: number },
) {
  const W = FIXED_WIDTH_DETAIL;
  for (let i = 0; i < transactions.length; i++) {
    const tx = transactions[i]!;
    sums.total += tx.amount_cents;
    sums.hash = addToHash(sums.hash, tx.account_number);
    const offset = (i + 1) * LINE;
    // field by field, not through a value list: `out` is all spaces already, so absent texts need no write
    out[offset] = 0x44; // D
    writeNumberField(W, D.sequence, i + 1, out, offset);
    writeTextField(W, D.transaction_id, tx.transaction_id, encoding, out, offset);
    writeTransactionType(tx.direction, out, offset);
    writeDigitsField(W, D.account_bank_code, tx.fisc_code, out, offset);
    writeDigitsField(W, D.account_branch_code, tx.branch_code, out, offset);
    writeDigitsField(W, D.account_number, tx.account_number, out, offset);
    writeTextField(W, D.account_holder, tx.account_holder, encoding, out, offset);
    writeNumberField(W, D.amount, tx.amount_cents, out, offset);
    writeDigitsField(W, D.value_date, valueDate, out, offset);
    writeTextField(W, D.id_number, tx.id_number, encoding, out, offset);
    writeTextField(W, D.description, tx.description, encoding, out, offset);
    writeTextField(W, D.customer_reference, tx.customer_reference, encoding, out, offset);
    crlf(out, offset);
  }
}

/** Writes a validated, normalised batch: H, one D per transaction in input order, T; CRLF after each. */
export function writeFixedWidthPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  const n = batch.transactions.length;
  const out = spaces((n + 2) * LINE);
  const stamp = taipeiStamp(batch.created_at);
  writeRecord(
    FIXED_WIDTH_HEADER,
    {
      record_type: 'H',
      batch_number: batch.batch_number,
      creation_date: stamp.ymd,
      creation_time: stamp.hms,
      company_code: batch.originator.company_code,
      company_name: batch.originator.company_name,
      bank_code: batch.fisc_code,
      file_sequence: batch.file_sequence,
      format_version: FORMAT_VERSION,
    },
    encoding,
    out,
    0,
  );
  crlf(out, 0);
  const sums = { total: 0, hash: 0 };
  writeDetailRecords(batch.transactions, toYmd(batch.value_date), encoding, out, sums);
  const trailerAt = (n + 1) * LINE;
  writeRecord(
    FIXED_WIDTH_TRAILER,
    { record_type: 'T', count: n, total_amount: sums.total, hash_total: sums.hash },
    encoding,
    out,
    trailerAt,
  );
  crlf(out, trailerAt);
  return out;
}

const typeOf = (record: Uint8Array) => String.fromCharCode(record[0]!);

function recordTypeError(file: string, line: number, type: string, expected: string): never {
  throw new FormatParseError({
    file,
    line,
    record_type: type,
    field: 'record_type',
    position: '1-1',
    value: type,
    message: expected,
  });
}

/** Payment file parser: push lines in order, then finish(). */
const TRANSACTION_TYPES = [TRANSACTION_TYPE.credit, TRANSACTION_TYPE.debit];

export class FixedWidthPaymentParser {
  private header: RecordReader | null = null;
  /** One reader for every D record (reset per record): no allocation per record. */
  private readonly detail: RecordReader;
  private trailerSeen = false;
  private readonly transactions: PaymentTransaction[] = [];
  private valueDate: string | null = null;
  private total = 0;
  private hash = 0;
  private lastLine = 0;
  constructor(
    private readonly file: string,
    private readonly encoding: Encoding,
  ) {
    this.detail = RecordReader.reusable(FIXED_WIDTH_DETAIL, encoding, file);
  }

  push(raw: RawLine): void {
    const { file, encoding } = this;
    this.lastLine = raw.line;
    const record = recordOf(raw, FIXED_WIDTH_RECORD, file);
    const type = typeOf(record);
    if (this.trailerSeen) recordTypeError(file, raw.line, type, 'no record may follow the trailer T');
    if (type === 'H') {
      if (this.header) recordTypeError(file, raw.line, type, 'a second header H');
      // a copy: the header is read again at finish(), after the source may have reused its buffer
      const h = RecordReader.read(FIXED_WIDTH_HEADER, new Uint8Array(record), encoding, file, raw.line);
      h.ymd('creation_date');
      const time = h.digits('creation_time');
      if (!/^([01]\d|2[0-3])[0-5]\d[0-5]\d$/.test(time)) h.fail('creation_time', 'expected a time HHMMSS');
      h.digits('bank_code');
      h.digits('file_sequence');
      this.header = h;
      return;
    }
    if (!this.header) recordTypeError(file, raw.line, type, 'the file must start with a header H');
    if (type === 'D') {
      const d = this.detail.resetTo(record, raw);
      const seq = d.int(D.sequence);
      if (seq !== this.transactions.length + 1) d.fail(D.sequence, `expected ${this.transactions.length + 1}`);
      // `22` or `27` compared as bytes: no string per record for a two-digit code (expect() names anything else)
      const at = D.transaction_type.start - 1;
      const second = record[at + 1];
      if (record[at] !== 0x32 || (second !== 0x32 && second !== 0x37)) d.expect(D.transaction_type, TRANSACTION_TYPES);
      const kind = second === 0x32 ? TRANSACTION_TYPE.credit : TRANSACTION_TYPE.debit;
      const account = d.digits(D.account_number);
      const amount = d.int(D.amount);
      if (amount <= 0) d.fail(D.amount, 'amount must be > 0');
      const valueDate = d.ymd(D.value_date);
      if (this.valueDate !== null && valueDate !== this.valueDate) {
        d.fail(D.value_date, `differs from the file's value date ${this.valueDate}`);
      }
      this.valueDate = valueDate;
      const tx: PaymentTransaction = {
        transaction_id: d.text(D.transaction_id) ?? d.fail(D.transaction_id, 'transaction id is blank'),
        direction: kind === TRANSACTION_TYPE.credit ? 'credit' : 'debit',
        fisc_code: d.digits(D.account_bank_code),
        branch_code: d.digits(D.account_branch_code),
        account_number: account,
        account_holder: d.text(D.account_holder) ?? '',
        amount_cents: amount,
        id_number: d.text(D.id_number) ?? '',
      };
      const description = d.text(D.description);
      if (description !== null) tx.description = description;
      const reference = d.text(D.customer_reference);
      if (reference !== null) tx.customer_reference = reference;
      this.transactions.push(tx);
      this.total += amount;
      this.hash = addToHash(this.hash, account);
      return;
    }
    if (type === 'T') {
      const t = RecordReader.read(FIXED_WIDTH_TRAILER, record, encoding, file, raw.line);
      if (t.int('count') !== this.transactions.length) {
        t.fail('count', `the file has ${this.transactions.length} detail records`);
      }
      if (t.int('total_amount') !== this.total) t.fail('total_amount', `the details add up to ${this.total}`);
      if (t.int('hash_total') !== this.hash) t.fail('hash_total', `the details' account numbers hash to ${this.hash}`);
      this.trailerSeen = true;
      return;
    }
    recordTypeError(file, raw.line, type, 'expected record type H, D or T');
  }

  finish(): PaymentBatchInput {
    const { file } = this;
    if (!this.header) lineError(file, this.lastLine, 'empty file: no header H');
    if (this.transactions.length === 0) lineError(file, this.lastLine, 'the file has no detail records D');
    if (!this.trailerSeen) lineError(file, this.lastLine, 'the file ends without a trailer T');
    const h = this.header;
    const d = h.raw('creation_date');
    const t = h.raw('creation_time');
    return {
      batch_number: h.text('batch_number') ?? '',
      created_at: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+08:00`,
      value_date: this.valueDate!,
      file_sequence: Number(h.raw('file_sequence')),
      fisc_code: h.raw('bank_code'),
      originator: {
        company_code: h.text('company_code') ?? '',
        company_name: h.text('company_name') ?? '',
      } as PaymentBatchInput['originator'],
      transactions: this.transactions,
    };
  }
}

/** Reconciliation parser: push lines, get D/R records back; finish() checks the frame. */
export class FixedWidthReconciliationParser {
  private readonly detail: RecordReader;
  private readonly returned: RecordReader;
  private count = 0;
  private total = 0;
  private headerSeen = false;
  private trailerSeen = false;
  private lastLine = 0;
  constructor(
    private readonly file: string,
    private readonly encoding: Encoding,
  ) {
    this.detail = RecordReader.reusable(FIXED_WIDTH_RECON_DETAIL, encoding, file);
    this.returned = RecordReader.reusable(FIXED_WIDTH_RECON_RETURN, encoding, file);
  }

  push(raw: RawLine): ReconciliationRecord | null {
    const { file, encoding } = this;
    this.lastLine = raw.line;
    const record = recordOf(raw, FIXED_WIDTH_RECORD, file);
    const type = typeOf(record);
    if (this.trailerSeen) recordTypeError(file, raw.line, type, 'no record may follow the trailer T');
    if (type === 'H') {
      if (this.headerSeen || this.count > 0) recordTypeError(file, raw.line, type, 'a header H must come first, once');
      RecordReader.read(FIXED_WIDTH_HEADER, record, encoding, file, raw.line);
      this.headerSeen = true;
      return null;
    }
    if (type === 'T') {
      const t = RecordReader.read(FIXED_WIDTH_TRAILER, record, encoding, file, raw.line);
      if (t.int('count') !== this.count) t.fail('count', `the file has ${this.count} D/R records`);
      if (t.int('total_amount') !== this.total) t.fail('total_amount', `the records add up to ${this.total}`);
      this.trailerSeen = true;
      return null;
    }
    if (type === 'D') {
      const d = this.detail.resetTo(record, raw);
      const code = d.blank('response_code') ? null : d.digits('response_code');
      const amount = d.optionalInt('processed_amount');
      const out: ReconciliationRecord = {
        record_type: 'D',
        seq: d.optionalInt('sequence'),
        transaction_id: d.text('transaction_id'),
        bank_reference: d.text('bank_reference'),
        code,
        message: d.text('message'),
        date: d.optionalYmd('processed_date'),
        amount_cents: amount,
      };
      if (code === null || !Object.hasOwn(RESPONSE_CODES, code)) out.unknown_code = true;
      this.count++;
      this.total += amount ?? 0;
      return out;
    }
    if (type === 'R') {
      const r = this.returned.resetTo(record, raw);
      const amount = r.optionalInt('original_amount');
      const code = r.text('reason_code');
      const out: ReconciliationRecord = {
        record_type: 'R',
        seq: r.optionalInt('sequence'),
        transaction_id: r.text('transaction_id'),
        code,
        message: r.text('message'),
        date: r.optionalYmd('return_date'),
        amount_cents: amount,
      };
      if (code === null || !Object.hasOwn(RETURN_REASONS, code)) out.unknown_code = true;
      this.count++;
      this.total += amount ?? 0;
      return out;
    }
    return recordTypeError(file, raw.line, type, 'expected record type D or R (or an H/T frame)');
  }

  finish(): ReconciliationTotals {
    if (this.headerSeen && !this.trailerSeen && this.count === 0) {
      lineError(this.file, this.lastLine, 'a header H with no records');
    }
    return { count: this.count, amount_cents: this.total };
  }
}

/**
 * Writes D/R records (the sandbox bank's answer). With `header` the body is framed by H and T (T: count, total,
 * hash total 0); without it only the D/R records are written (both are valid per docs/formats.md).
 */
export function writeFixedWidthReconciliation(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  const framed = input.header !== undefined;
  const n = input.records.length;
  const out = new Uint8Array((n + (framed ? 2 : 0)) * LINE);
  let at = 0;
  if (framed) {
    const h = input.header!;
    const stamp = taipeiStamp(h.created_at ?? `${input.records[0]?.date ?? '1970-01-01'}T00:00:00+08:00`);
    writeRecord(
      FIXED_WIDTH_HEADER,
      {
        record_type: 'H',
        batch_number: h.batch_number,
        creation_date: stamp.ymd,
        creation_time: stamp.hms,
        company_code: h.company_code,
        company_name: h.company_name,
        bank_code: h.fisc_code,
        file_sequence: h.file_sequence,
        format_version: FORMAT_VERSION,
      },
      encoding,
      out,
      at,
    );
    crlf(out, at);
    at += LINE;
  }
  let total = 0;
  for (const [i, r] of input.records.entries()) {
    const date = r.date ? toYmd(r.date) : null;
    total += r.amount_cents ?? 0;
    if (r.record_type === 'R') {
      writeRecord(
        FIXED_WIDTH_RECON_RETURN,
        {
          record_type: 'R',
          sequence: r.seq ?? i + 1,
          transaction_id: r.transaction_id,
          reason_code: r.code,
          return_date: date,
          original_amount: r.amount_cents,
          message: r.message,
        },
        encoding,
        out,
        at,
      );
    } else {
      writeRecord(
        FIXED_WIDTH_RECON_DETAIL,
        {
          record_type: 'D',
          sequence: r.seq ?? i + 1,
          transaction_id: r.transaction_id,
          bank_reference: r.bank_reference,
          response_code: r.code,
          processed_date: date,
          processed_amount: r.amount_cents,
          message: r.message,
        },
        encoding,
        out,
        at,
      );
    }
    crlf(out, at);
    at += LINE;
  }
  if (framed) {
    writeRecord(
      FIXED_WIDTH_TRAILER,
      { record_type: 'T', count: n, total_amount: total, hash_total: 0 },
      encoding,
      out,
      at,
    );
    crlf(out, at);
  }
  return out;
}
