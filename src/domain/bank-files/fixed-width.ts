/**
 * `fixed_width`: the house format, 200-byte records (formats.md §1). Field tables below are the spec's tables.
 */
import type { PaymentBatchInput, PaymentTransaction } from './batch.ts';
import { RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
import { concat, type Encoding } from './encoding.ts';
import { FormatParseError } from './errors.ts';
import { defineRecord, f, position, type RecordDef, readRecord, text, writeRecord } from './layout.ts';
import { normaliseLine, type RawLine } from './lines.ts';
import type { ReconciliationInput, ReconciliationRecord } from './records.ts';
import { isoDay, taipeiStamp } from './taipei.ts';

export const RECORD_LENGTH = 200;
const CRLF = new Uint8Array([0x0d, 0x0a]);

export const HEADER = defineRecord('H', 200, [
  f('record_type', 1, 1, 'X'),
  f('batch_number', 2, 20, 'X'),
  f('creation_date', 22, 8, '9'),
  f('creation_time', 30, 6, '9'),
  f('company_code', 36, 10, 'X'),
  f('company_name', 46, 40, 'X'),
  f('bank_code', 86, 3, '9'),
  f('file_sequence', 89, 3, '9'),
  f('format_version', 92, 3, 'X'),
  f('filler', 95, 106, 'X'),
]);

export const DETAIL = defineRecord('D', 200, [
  f('record_type', 1, 1, 'X'),
  f('sequence', 2, 6, '9'),
  f('transaction_id', 8, 20, 'X'),
  f('transaction_type', 28, 2, '9'),
  f('account_bank_code', 30, 3, '9'),
  f('account_branch_code', 33, 4, '9'),
  f('account_number', 37, 14, '9'),
  f('account_holder', 51, 30, 'X'),
  f('amount', 81, 13, '9'),
  f('value_date', 94, 8, '9'),
  f('id_number', 102, 10, 'X'),
  f('description', 112, 40, 'X'),
  f('customer_reference', 152, 20, 'X'),
  f('filler', 172, 29, 'X'),
]);

export const TRAILER = defineRecord('T', 200, [
  f('record_type', 1, 1, 'X'),
  f('count', 2, 6, '9'),
  f('total_amount', 8, 15, '9'),
  f('hash_total', 23, 15, '9'),
  f('filler', 38, 163, 'X'),
]);

export const RECON_DETAIL = defineRecord('D', 200, [
  f('record_type', 1, 1, 'X'),
  f('sequence', 2, 6, '9'),
  f('transaction_id', 8, 20, 'X'),
  f('bank_reference', 28, 20, 'X'),
  f('response_code', 48, 3, '9'),
  f('processed_date', 51, 8, '9'),
  f('processed_amount', 59, 13, '9'),
  f('message', 72, 40, 'X'),
  f('filler', 112, 89, 'X'),
]);

export const RECON_RETURN = defineRecord('R', 200, [
  f('record_type', 1, 1, 'X'),
  f('sequence', 2, 6, '9'),
  f('transaction_id', 8, 20, 'X'),
  f('reason_code', 28, 3, 'X'),
  f('return_date', 31, 8, '9'),
  f('original_amount', 39, 13, '9'),
  f('message', 52, 40, 'X'),
  f('filler', 92, 109, 'X'),
]);

const HASH_MOD = 10n ** 15n;

/** Sum of the last 8 digits of every detail's account number, mod 10^15. */
export function hashTotal(accounts: string[]): bigint {
  let sum = 0n;
  for (const a of accounts) sum += BigInt(a.slice(-8) || '0');
  return sum % HASH_MOD;
}

function withCrlf(record: Uint8Array): Uint8Array {
  return concat([record, CRLF]);
}

/** Writes a validated, normalised batch. */
export function writeFixedWidthPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  const stamp = taipeiStamp(batch.created_at);
  const parts: Uint8Array[] = [
    withCrlf(
      writeRecord(
        HEADER,
        {
          record_type: 'H',
          batch_number: batch.batch_number,
          creation_date: stamp.ymd,
          creation_time: stamp.hms,
          company_code: batch.originator.company_code,
          company_name: batch.originator.company_name,
          bank_code: batch.fisc_code,
          file_sequence: batch.file_sequence,
          format_version: '1.0',
        },
        encoding,
      ),
    ),
  ];
  const valueDate = batch.value_date.replaceAll('-', '');
  let total = 0;
  batch.transactions.forEach((tx, i) => {
    total += tx.amount_cents;
    parts.push(
      withCrlf(
        writeRecord(
          DETAIL,
          {
            record_type: 'D',
            sequence: i + 1,
            transaction_id: tx.transaction_id,
            transaction_type: tx.direction === 'credit' ? '22' : '27',
            account_bank_code: tx.fisc_code,
            account_branch_code: tx.branch_code,
            account_number: tx.account_number,
            account_holder: tx.account_holder,
            amount: tx.amount_cents,
            value_date: valueDate,
            id_number: tx.id_number,
            description: tx.description,
            customer_reference: tx.customer_reference,
          },
          encoding,
        ),
      ),
    );
  });
  parts.push(
    withCrlf(
      writeRecord(
        TRAILER,
        {
          record_type: 'T',
          count: batch.transactions.length,
          total_amount: total,
          hash_total: hashTotal(batch.transactions.map((t) => t.account_number)).toString(),
        },
        encoding,
      ),
    ),
  );
  return concat(parts);
}

/** Bytes of one detail record including CRLF: for the 10 MB split. */
export const FIXED_WIDTH_LINE_BYTES = RECORD_LENGTH + 2;

interface Ctx {
  file: string;
  encoding: Encoding;
}

function fail(
  ctx: Ctx,
  line: number,
  def: RecordDef | null,
  field: string | null,
  value: string | null,
  message: string,
): never {
  const fieldDef = def?.fields.find((x) => x.name === field);
  throw new FormatParseError(
    ctx.file,
    line,
    def?.type ?? null,
    field,
    fieldDef ? position(fieldDef) : null,
    value,
    message,
  );
}

function digits(ctx: Ctx, line: number, def: RecordDef, values: Record<string, string>, name: string): number {
  const raw = values[name]!;
  if (!/^\d+$/.test(raw)) fail(ctx, line, def, name, raw, 'expected digits');
  return Number(raw);
}

function optionalDigits(ctx: Ctx, line: number, def: RecordDef, values: Record<string, string>, name: string) {
  const raw = values[name]!;
  if (/^ *$/.test(raw)) return null;
  return digits(ctx, line, def, values, name);
}

function date(ctx: Ctx, line: number, def: RecordDef, values: Record<string, string>, name: string): string | null {
  const raw = values[name]!;
  if (/^ *$/.test(raw) || /^0+$/.test(raw)) return null;
  const iso = isoDay(raw);
  if (!iso) fail(ctx, line, def, name, raw, 'expected a date YYYYMMDD');
  return iso;
}

export class FixedWidthPaymentParser {
  private header: Record<string, string> | null = null;
  private trailer: Record<string, string> | null = null;
  private readonly transactions: PaymentTransaction[] = [];
  private valueDate: string | null = null;
  private lastLine = 0;
  constructor(private readonly ctx: Ctx) {}

  push(raw: RawLine): void {
    const { file } = this.ctx;
    this.lastLine = raw.line;
    const record = normaliseLine(raw.bytes, raw.line, RECORD_LENGTH, file);
    const type = String.fromCharCode(record[0]!);
    if (this.trailer) fail(this.ctx, raw.line, null, null, type, 'record after the trailer');
    if (type === 'H') {
      if (this.header || this.transactions.length > 0)
        fail(this.ctx, raw.line, HEADER, 'record_type', type, 'header must be the first record, once');
      this.header = readRecord(HEADER, record, this.ctx.encoding);
      digits(this.ctx, raw.line, HEADER, this.header, 'creation_date');
      digits(this.ctx, raw.line, HEADER, this.header, 'bank_code');
      digits(this.ctx, raw.line, HEADER, this.header, 'file_sequence');
      return;
    }
    if (!this.header) fail(this.ctx, raw.line, HEADER, 'record_type', type, 'the file must start with a header H');
    if (type === 'D') {
      const v = readRecord(DETAIL, record, this.ctx.encoding);
      const seq = digits(this.ctx, raw.line, DETAIL, v, 'sequence');
      if (seq !== this.transactions.length + 1)
        fail(this.ctx, raw.line, DETAIL, 'sequence', v.sequence!, `expected ${this.transactions.length + 1}`);
      const kind = v.transaction_type;
      if (kind !== '22' && kind !== '27')
        fail(this.ctx, raw.line, DETAIL, 'transaction_type', kind!, 'expected 22 or 27');
      digits(this.ctx, raw.line, DETAIL, v, 'account_bank_code');
      digits(this.ctx, raw.line, DETAIL, v, 'account_branch_code');
      digits(this.ctx, raw.line, DETAIL, v, 'account_number');
      const amount = digits(this.ctx, raw.line, DETAIL, v, 'amount');
      this.valueDate = date(this.ctx, raw.line, DETAIL, v, 'value_date');
      const tx: PaymentTransaction = {
        transaction_id: text(v.transaction_id) ?? '',
        direction: kind === '22' ? 'credit' : 'debit',
        fisc_code: v.account_bank_code!,
        branch_code: v.account_branch_code!,
        account_number: v.account_number!,
        account_holder: text(v.account_holder) ?? '',
        amount_cents: amount,
        id_number: text(v.id_number) ?? '',
      };
      const description = text(v.description);
      if (description !== null) tx.description = description;
      const reference = text(v.customer_reference);
      if (reference !== null) tx.customer_reference = reference;
      this.transactions.push(tx);
      return;
    }
    if (type === 'T') {
      this.trailer = readRecord(TRAILER, record, this.ctx.encoding);
      const count = digits(this.ctx, raw.line, TRAILER, this.trailer, 'count');
      const total = BigInt(digits(this.ctx, raw.line, TRAILER, this.trailer, 'total_amount'));
      const hash = BigInt(digits(this.ctx, raw.line, TRAILER, this.trailer, 'hash_total'));
      if (count !== this.transactions.length)
        fail(
          this.ctx,
          raw.line,
          TRAILER,
          'count',
          this.trailer.count!,
          `the file has ${this.transactions.length} details`,
        );
      const sum = this.transactions.reduce((s, t) => s + BigInt(t.amount_cents), 0n);
      if (total !== sum)
        fail(this.ctx, raw.line, TRAILER, 'total_amount', this.trailer.total_amount!, `details add up to ${sum}`);
      const expected = hashTotal(this.transactions.map((t) => t.account_number));
      if (hash !== expected)
        fail(this.ctx, raw.line, TRAILER, 'hash_total', this.trailer.hash_total!, `details hash to ${expected}`);
      return;
    }
    fail(this.ctx, raw.line, null, 'record_type', type, 'expected H, D or T');
  }

  finish(): PaymentBatchInput {
    if (!this.header) fail(this.ctx, this.lastLine, HEADER, null, null, 'empty file: no header');
    if (!this.trailer) fail(this.ctx, this.lastLine, TRAILER, null, null, 'no trailer T');
    if (this.transactions.length === 0) fail(this.ctx, this.lastLine, DETAIL, null, null, 'no detail records');
    const h = this.header;
    const d = h.creation_date!;
    const t = h.creation_time!;
    return {
      batch_number: text(h.batch_number) ?? '',
      created_at: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+08:00`,
      value_date: this.valueDate ?? '',
      file_sequence: Number(h.file_sequence),
      fisc_code: h.bank_code!,
      originator: {
        company_code: text(h.company_code) ?? '',
        company_name: text(h.company_name) ?? '',
      } as PaymentBatchInput['originator'],
      transactions: this.transactions,
    };
  }
}

export class FixedWidthReconParser {
  private count = 0;
  private total = 0;
  private headerSeen = false;
  private trailerSeen = false;
  private lastLine = 0;
  constructor(private readonly ctx: Ctx) {}

  /** Returns the record for D/R lines, null for H/T. */
  push(raw: RawLine): ReconciliationRecord | null {
    this.lastLine = raw.line;
    const record = normaliseLine(raw.bytes, raw.line, RECORD_LENGTH, this.ctx.file);
    const type = String.fromCharCode(record[0]!);
    if (this.trailerSeen) fail(this.ctx, raw.line, null, 'record_type', type, 'record after the trailer');
    if (type === 'H') {
      if (this.headerSeen || this.count > 0)
        fail(this.ctx, raw.line, HEADER, 'record_type', type, 'header must come first, once');
      this.headerSeen = true;
      return null;
    }
    if (type === 'T') {
      const v = readRecord(TRAILER, record, this.ctx.encoding);
      const count = digits(this.ctx, raw.line, TRAILER, v, 'count');
      const total = digits(this.ctx, raw.line, TRAILER, v, 'total_amount');
      if (count !== this.count)
        fail(this.ctx, raw.line, TRAILER, 'count', v.count!, `the file has ${this.count} records`);
      if (total !== this.total)
        fail(this.ctx, raw.line, TRAILER, 'total_amount', v.total_amount!, `records add up to ${this.total}`);
      this.trailerSeen = true;
      return null;
    }
    if (type === 'D') {
      const v = readRecord(RECON_DETAIL, record, this.ctx.encoding);
      const code = v.response_code!;
      if (!/^\d{3}$/.test(code)) fail(this.ctx, raw.line, RECON_DETAIL, 'response_code', code, 'expected 3 digits');
      const amount = digits(this.ctx, raw.line, RECON_DETAIL, v, 'processed_amount');
      const out: ReconciliationRecord = {
        record_type: 'D',
        seq: optionalDigits(this.ctx, raw.line, RECON_DETAIL, v, 'sequence'),
        transaction_id: text(v.transaction_id),
        bank_reference: text(v.bank_reference),
        code,
        message: text(v.message),
        date: date(this.ctx, raw.line, RECON_DETAIL, v, 'processed_date'),
        amount_cents: amount,
      };
      if (!(code in RESPONSE_CODES)) out.unknown_code = true;
      this.count++;
      this.total += amount;
      return out;
    }
    if (type === 'R') {
      const v = readRecord(RECON_RETURN, record, this.ctx.encoding);
      const amount = digits(this.ctx, raw.line, RECON_RETURN, v, 'original_amount');
      const code = text(v.reason_code);
      const out: ReconciliationRecord = {
        record_type: 'R',
        seq: optionalDigits(this.ctx, raw.line, RECON_RETURN, v, 'sequence'),
        transaction_id: text(v.transaction_id),
        code,
        message: text(v.message),
        date: date(this.ctx, raw.line, RECON_RETURN, v, 'return_date'),
        amount_cents: amount,
      };
      if (code === null || !(code in RETURN_REASONS)) out.unknown_code = true;
      this.count++;
      this.total += amount;
      return out;
    }
    return fail(this.ctx, raw.line, null, 'record_type', type, 'expected D or R (or H/T framing)');
  }

  finish(): { count: number; amount_cents: number } {
    if (this.headerSeen && !this.trailerSeen && this.count === 0) {
      fail(this.ctx, this.lastLine, TRAILER, null, null, 'header without records or trailer');
    }
    return { count: this.count, amount_cents: this.total };
  }
}

export function writeFixedWidthReconciliation(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [i, r] of input.records.entries()) {
    const def = r.record_type === 'R' ? RECON_RETURN : RECON_DETAIL;
    const date = (r.date ?? '').replaceAll('-', '');
    const values =
      r.record_type === 'R'
        ? {
            record_type: 'R',
            sequence: r.seq ?? i + 1,
            transaction_id: r.transaction_id,
            reason_code: r.code,
            return_date: date,
            original_amount: r.amount_cents,
            message: r.message,
          }
        : {
            record_type: 'D',
            sequence: r.seq ?? i + 1,
            transaction_id: r.transaction_id,
            bank_reference: r.bank_reference ?? null,
            response_code: r.code,
            processed_date: date,
            processed_amount: r.amount_cents,
            message: r.message,
          };
    parts.push(withCrlf(writeRecord(def, values, encoding)));
  }
  return concat(parts);
}
