/**
 * `csv` (docs/formats.md, csv): RFC 4180, CRLF, a header row. Amounts are decimal strings with exactly two decimals,
 * converted to integer cents without floating point. Fields are quoted only when they contain a comma, a double
 * quote, CR or LF. Reading decodes the byte stream first (a Big5 trail byte can look like an ASCII delimiter),
 * then tokenises the text incrementally, so a large file parses in flat memory.
 */
import { centsToDecimal, decimalToCents } from '../money.ts';
import { RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
import { CSV_PAYMENT_COLUMNS, CSV_RECONCILIATION_COLUMNS, CSV_TOTAL } from './csv-columns.ts';
import { isIsoDate } from './dates.ts';
import { createDecoder, encodeText } from './encoding.ts';
import { FormatParseError } from './errors.ts';
import { trimText } from './field-table.ts';
import type {
  Encoding,
  PaymentBatchInput,
  PaymentTransaction,
  ReconciliationInput,
  ReconciliationRecord,
} from './types.ts';

const NEEDS_QUOTES = /[",\r\n]/;

function cell(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function row(values: Array<string | number | null | undefined>): string {
  return `${values.map(cell).join(',')}\r\n`;
}

export function writeCsvPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  const parts: string[] = [row([...CSV_PAYMENT_COLUMNS])];
  let total = 0;
  batch.transactions.forEach((tx, i) => {
    total += tx.amount_cents;
    parts.push(
      row([
        i + 1,
        tx.transaction_id,
        tx.direction,
        tx.fisc_code,
        tx.branch_code,
        tx.account_number,
        tx.account_holder,
        centsToDecimal(tx.amount_cents),
        batch.value_date,
        tx.id_number,
        tx.description,
        tx.customer_reference,
      ]),
    );
  });
  parts.push(row([CSV_TOTAL, batch.transactions.length, '', '', '', '', '', centsToDecimal(total), '', '', '', '']));
  return encodeText(parts.join(''), encoding);
}

/** A reconciliation csv has no TOTAL row. */
export function writeCsvReconciliation(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  const parts: string[] = [row([...CSV_RECONCILIATION_COLUMNS])];
  input.records.forEach((r, i) => {
    parts.push(
      row([
        r.record_type,
        r.seq ?? i + 1,
        r.transaction_id,
        r.bank_reference,
        r.code,
        r.message,
        r.date,
        r.amount_cents === null || r.amount_cents === undefined ? '' : centsToDecimal(r.amount_cents),
      ]),
    );
  });
  return encodeText(parts.join(''), encoding);
}

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

/**
 * Incremental RFC 4180 tokenizer over text chunks. Accepts CRLF or LF row ends and a missing final line ending;
 * a bare CR outside quotes, a quote inside an unquoted field or text after a closing quote is an error.
 */
export class CsvTokenizer {
  private fields: string[] = [];
  private value = '';
  private state: 'start' | 'plain' | 'quoted' | 'quote' | 'cr' = 'start';
  private line = 1;
  private rowLine = 1;
  private rowHasContent = false;
  constructor(private readonly file: string) {}

  private fail(message: string, value: string | null = null): never {
    throw new FormatParseError({ file: this.file, line: this.line, value, message });
  }

  private endField() {
    this.fields.push(this.value);
    this.value = '';
  }

  private endRow(out: CsvRow[]) {
    this.endField();
    out.push({ line: this.rowLine, fields: this.fields });
    this.fields = [];
    this.line++;
    this.rowLine = this.line;
    this.rowHasContent = false;
    this.state = 'start';
  }

  push(text: string): CsvRow[] {
    const out: CsvRow[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      switch (this.state) {
        case 'cr':
          if (ch !== '\n') this.fail('a bare CR: rows end with CRLF or LF');
          this.endRow(out);
          break;
        case 'quoted':
          if (ch === '"') this.state = 'quote';
          else {
            if (ch === '\n') this.line++;
            this.value += ch;
          }
          break;
        case 'quote':
          if (ch === '"') {
            this.value += '"';
            this.state = 'quoted';
          } else if (ch === ',') {
            this.endField();
            this.state = 'start';
          } else if (ch === '\r') this.state = 'cr';
          else if (ch === '\n') this.endRow(out);
          else this.fail('unexpected character after a closing quote', ch);
          break;
        default:
          this.rowHasContent = true;
          if (ch === ',') {
            this.endField();
            this.state = 'start';
          } else if (ch === '\r') this.state = 'cr';
          else if (ch === '\n') this.endRow(out);
          else if (ch === '"') {
            if (this.state === 'start') this.state = 'quoted';
            else this.fail('a quote inside an unquoted field', this.value);
          } else {
            this.value += ch;
            this.state = 'plain';
          }
      }
    }
    return out;
  }

  end(): CsvRow[] {
    if (this.state === 'quoted') this.fail('unterminated quoted field');
    if (this.state === 'cr') this.fail('a bare CR: rows end with CRLF or LF');
    const out: CsvRow[] = [];
    if (this.rowHasContent || this.fields.length > 0 || this.state === 'quote') this.endRow(out);
    return out;
  }
}

/** Decodes csv bytes chunk by chunk (a UTF-8 BOM is dropped) and tokenises them into rows. */
export class CsvReader {
  private readonly decoder;
  private readonly tokenizer: CsvTokenizer;
  private first = true;
  constructor(
    private readonly encoding: Encoding,
    private readonly file: string,
  ) {
    this.decoder = createDecoder(encoding);
    this.tokenizer = new CsvTokenizer(file);
  }

  private text(text: string | null): string {
    if (text === null) throw new FormatParseError({ file: this.file, message: `bytes are not valid ${this.encoding}` });
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) return text.slice(1);
    }
    return text;
  }

  push(chunk: Uint8Array): CsvRow[] {
    return this.tokenizer.push(this.text(this.decoder.write(chunk)));
  }

  end(): CsvRow[] {
    return [...this.tokenizer.push(this.text(this.decoder.end())), ...this.tokenizer.end()];
  }
}

function columnPosition(columns: readonly string[], name: string): string {
  return `column ${columns.indexOf(name) + 1}`;
}

function checkHeader(r: CsvRow | undefined, columns: readonly string[], file: string) {
  if (!r) throw new FormatParseError({ file, line: 1, record_type: 'header', message: 'empty file: no header row' });
  if (r.fields.join(',') !== columns.join(',')) {
    throw new FormatParseError({
      file,
      line: r.line,
      record_type: 'header',
      value: r.fields.join(','),
      message: `expected the columns ${columns.join(',')}`,
    });
  }
}

function checkWidth(r: CsvRow, columns: readonly string[], file: string, recordType: string | null) {
  if (r.fields.length !== columns.length) {
    throw new FormatParseError({
      file,
      line: r.line,
      record_type: recordType,
      value: String(r.fields.length),
      message: `expected ${columns.length} fields, got ${r.fields.length}`,
    });
  }
}

/** Payment csv: push rows, then finish() checks the TOTAL row. */
export class CsvPaymentParser {
  private header = true;
  private totalRow: CsvRow | null = null;
  private valueDate: string | null = null;
  private total = 0;
  private lastLine = 1;
  private readonly transactions: PaymentTransaction[] = [];
  constructor(private readonly file: string) {}

  push(r: CsvRow): void {
    const { file } = this;
    const columns = CSV_PAYMENT_COLUMNS;
    const transactions = this.transactions;
    this.lastLine = r.line;
    if (this.header) {
      checkHeader(r, columns, file);
      this.header = false;
      return;
    }
    if (this.totalRow) {
      throw new FormatParseError({
        file,
        line: r.line,
        record_type: r.fields[0] ?? null,
        message: 'a row after TOTAL',
      });
    }
    if (r.fields[0] === CSV_TOTAL) {
      checkWidth(r, columns, file, CSV_TOTAL);
      this.totalRow = r;
      return;
    }
    checkWidth(r, columns, file, 'detail');
    const fail = (name: string, value: string, message: string): never => {
      throw new FormatParseError({
        file,
        line: r.line,
        record_type: 'detail',
        field: name,
        position: columnPosition(columns, name),
        value,
        message,
      });
    };
    const [seq, id, direction, bank, branch, account, holder, amount, vdate, idNumber, description, reference] =
      r.fields as [string, string, string, string, string, string, string, string, string, string, string, string];
    if (seq !== String(transactions.length + 1)) fail('seq', seq, `expected ${transactions.length + 1}`);
    if (id === '') fail('transaction_id', id, 'transaction id is blank');
    if (direction !== 'credit' && direction !== 'debit') fail('direction', direction, 'expected credit or debit');
    if (!/^\d{3}$/.test(bank)) fail('bank_code', bank, 'expected 3 digits');
    if (!/^\d{4}$/.test(branch)) fail('branch_code', branch, 'expected 4 digits');
    if (!/^\d+$/.test(account)) fail('account_number', account, 'expected digits');
    const cents = decimalToCents(amount);
    if (cents === null || cents <= 0) fail('amount', amount, 'expected an amount > 0 with two decimals, e.g. 1234.50');
    if (!isIsoDate(vdate)) fail('value_date', vdate, 'expected a date YYYY-MM-DD');
    if (this.valueDate !== null && vdate !== this.valueDate)
      fail('value_date', vdate, `differs from ${this.valueDate}`);
    this.valueDate = vdate;
    this.total += cents!;
    const tx: PaymentTransaction = {
      transaction_id: id,
      direction: direction as PaymentTransaction['direction'],
      fisc_code: bank,
      branch_code: branch,
      account_number: account,
      account_holder: holder,
      amount_cents: cents!,
      id_number: idNumber,
    };
    if (description !== '') tx.description = description;
    if (reference !== '') tx.customer_reference = reference;
    transactions.push(tx);
  }

  finish(): PaymentBatchInput {
    const { file, transactions } = this;
    const columns = CSV_PAYMENT_COLUMNS;
    if (this.header) checkHeader(undefined, columns, file);
    const t = this.totalRow;
    if (!t)
      throw new FormatParseError({
        file,
        line: this.lastLine,
        record_type: CSV_TOTAL,
        message: 'no closing TOTAL row',
      });
    if (transactions.length === 0) {
      throw new FormatParseError({ file, line: t.line, record_type: CSV_TOTAL, message: 'no transaction rows' });
    }
    const totalFail = (name: string, index: number, message: string): never => {
      throw new FormatParseError({
        file,
        line: t.line,
        record_type: CSV_TOTAL,
        field: name,
        position: `column ${index + 1}`,
        value: t.fields[index] ?? null,
        message,
      });
    };
    if (t.fields[1] !== String(transactions.length)) totalFail('count', 1, `the file has ${transactions.length} rows`);
    if (decimalToCents(t.fields[7]!) !== this.total) {
      totalFail('amount', 7, `the rows add up to ${centsToDecimal(this.total)}`);
    }
    for (const i of [2, 3, 4, 5, 6, 8, 9, 10, 11]) if (t.fields[i] !== '') totalFail(columns[i]!, i, 'expected empty');
    return { value_date: this.valueDate!, transactions } as PaymentBatchInput;
  }
}

/** Reconciliation csv: push rows, get records (record_type D or R, anything else is an error). No TOTAL row. */
export class CsvReconciliationParser {
  private header = true;
  constructor(private readonly file: string) {}

  push(r: CsvRow): ReconciliationRecord | null {
    const { file } = this;
    const columns = CSV_RECONCILIATION_COLUMNS;
    if (this.header) {
      checkHeader(r, columns, file);
      this.header = false;
      return null;
    }
    checkWidth(r, columns, file, r.fields[0] ?? null);
    const [type, seq, id, reference, code, message, date, amount] = r.fields.map(trimText);
    const fail = (name: string, value: string | null | undefined, m: string): never => {
      throw new FormatParseError({
        file,
        line: r.line,
        record_type: type ?? null,
        field: name,
        position: columnPosition(columns, name),
        value: value ?? null,
        message: m,
      });
    };
    if (type !== 'D' && type !== 'R') fail('record_type', type, 'expected D or R');
    if (seq != null && !/^\d+$/.test(seq)) fail('seq', seq, 'expected an integer');
    const cents = amount == null ? null : decimalToCents(amount);
    if (amount != null && cents === null) fail('amount', amount, 'expected an amount with two decimals, e.g. 1234.50');
    if (date != null && !isIsoDate(date)) fail('date', date, 'expected a date YYYY-MM-DD');
    const out: ReconciliationRecord = {
      record_type: type!,
      seq: seq == null ? null : Number(seq),
      transaction_id: id ?? null,
      bank_reference: reference ?? null,
      code: code ?? null,
      message: message ?? null,
      date: date ?? null,
      amount_cents: cents,
    };
    const table = type === 'D' ? RESPONSE_CODES : RETURN_REASONS;
    if (out.code === null || !Object.hasOwn(table, out.code)) out.unknown_code = true;
    return out;
  }

  finish(): void {
    if (this.header) checkHeader(undefined, CSV_RECONCILIATION_COLUMNS, this.file);
  }
}
