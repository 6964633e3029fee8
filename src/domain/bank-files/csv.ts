/**
 * `csv` (formats.md §3): RFC 4180, CRLF, a header row; amounts are decimal strings with exactly two decimals,
 * converted to integer cents without floating point. Fields are quoted only when they contain a comma, a double
 * quote, CR or LF. The file is decoded as a whole first (a Big5 trail byte can look like an ASCII delimiter).
 */
import type { PaymentBatchInput, PaymentTransaction } from './batch.ts';
import { RESPONSE_CODES, RETURN_REASONS } from './codes.ts';
import { decodeBytes, type Encoding, encodeText } from './encoding.ts';
import { FormatParseError } from './errors.ts';
import type { ReconciliationInput, ReconciliationRecord } from './records.ts';

export const PAYMENT_COLUMNS = [
  'seq',
  'transaction_id',
  'direction',
  'bank_code',
  'branch_code',
  'account_number',
  'account_holder',
  'amount',
  'value_date',
  'id_number',
  'description',
  'customer_reference',
] as const;
export const RECON_COLUMNS = [
  'record_type',
  'seq',
  'transaction_id',
  'bank_reference',
  'code',
  'message',
  'date',
  'amount',
] as const;

/** 123450 -> "1234.50", 5 -> "0.05". */
export function centsToDecimal(cents: number): string {
  const s = String(cents).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function decimalToCents(text: string): number | null {
  const m = /^(\d+)\.(\d{2})$/.exec(text);
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number(m[2]);
  return Number.isSafeInteger(cents) ? cents : null;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function row(values: Array<string | number | null | undefined>): string {
  return `${values.map((v) => quote(v === null || v === undefined ? '' : String(v))).join(',')}\r\n`;
}

function encodeAll(textOut: string, encoding: Encoding): Uint8Array {
  const bytes = encodeText(textOut, encoding);
  if (!bytes) throw new Error('csv: unencodable text reached the writer (validate first)');
  return bytes;
}

export function writeCsvPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  let out = row([...PAYMENT_COLUMNS]);
  let total = 0;
  batch.transactions.forEach((tx, i) => {
    total += tx.amount_cents;
    out += row([
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
    ]);
  });
  out += row(['TOTAL', batch.transactions.length, '', '', '', '', '', centsToDecimal(total), '', '', '', '']);
  return encodeAll(out, encoding);
}

export function writeCsvReconciliation(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  let out = row([...RECON_COLUMNS]);
  input.records.forEach((r, i) => {
    out += row([
      r.record_type,
      r.seq ?? i + 1,
      r.transaction_id,
      r.bank_reference ?? null,
      r.code,
      r.message ?? null,
      r.date,
      r.amount_cents === null ? '' : centsToDecimal(r.amount_cents),
    ]);
  });
  return encodeAll(out, encoding);
}

/** RFC 4180 rows with their 1-based starting line numbers. */
export function parseCsvRows(textIn: string, file: string): Array<{ line: number; fields: string[] }> {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let i = textIn.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < textIn.length) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (textIn[i] === '"') {
        i++;
        for (;;) {
          if (i >= textIn.length)
            throw new FormatParseError(file, startLine, null, null, null, null, 'unterminated quoted field');
          const ch = textIn[i]!;
          if (ch === '"') {
            if (textIn[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        if (i < textIn.length && textIn[i] !== ',' && textIn[i] !== '\r' && textIn[i] !== '\n') {
          throw new FormatParseError(
            file,
            line,
            null,
            null,
            null,
            textIn[i]!,
            'unexpected character after a quoted field',
          );
        }
      } else {
        while (i < textIn.length && textIn[i] !== ',' && textIn[i] !== '\r' && textIn[i] !== '\n') {
          if (textIn[i] === '"')
            throw new FormatParseError(file, line, null, null, null, value, 'quote inside an unquoted field');
          value += textIn[i];
          i++;
        }
      }
      fields.push(value);
      if (textIn[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (textIn[i] === '\r') i++;
    if (textIn[i] === '\n') i++;
    line++;
    // a trailing empty line is not a row
    if (fields.length === 1 && fields[0] === '' && i >= textIn.length) break;
    rows.push({ line: startLine, fields });
  }
  return rows;
}

function parseRows(bytes: Uint8Array, encoding: Encoding, file: string, columns: readonly string[]) {
  const rows = parseCsvRows(decodeBytes(bytes, encoding), file);
  const header = rows.shift();
  if (!header) throw new FormatParseError(file, 1, 'header', null, null, null, 'empty file: no header row');
  const got = header.fields.map((h) => h.trim());
  if (got.join(',') !== columns.join(',')) {
    throw new FormatParseError(
      file,
      header.line,
      'header',
      null,
      null,
      got.join(','),
      `expected columns ${columns.join(',')}`,
    );
  }
  for (const r of rows) {
    if (r.fields.length !== columns.length) {
      throw new FormatParseError(
        file,
        r.line,
        r.fields[0] ?? null,
        null,
        null,
        String(r.fields.length),
        `expected ${columns.length} fields`,
      );
    }
  }
  return rows;
}

const empty = (v: string | undefined) => (v === undefined || v.replace(/ +$/, '') === '' ? null : v.replace(/ +$/, ''));

function column(columns: readonly string[], name: string): string {
  return String(columns.indexOf(name) + 1);
}

export function parseCsvPayment(bytes: Uint8Array, encoding: Encoding, file: string): PaymentBatchInput {
  const rows = parseRows(bytes, encoding, file, PAYMENT_COLUMNS);
  const totalRow = rows.pop();
  if (totalRow?.fields[0] !== 'TOTAL') {
    throw new FormatParseError(file, totalRow?.line ?? 1, 'TOTAL', null, null, null, 'missing the closing TOTAL row');
  }
  const fail = (line: number, field: string, value: string, message: string): never => {
    throw new FormatParseError(file, line, 'detail', field, `column ${column(PAYMENT_COLUMNS, field)}`, value, message);
  };
  let valueDate = '';
  let total = 0;
  const transactions: PaymentTransaction[] = rows.map((r, i) => {
    const [seq, id, direction, bank, branch, account, holder, amount, vdate, idNumber, description, reference] =
      r.fields;
    if (seq !== String(i + 1)) fail(r.line, 'seq', seq!, `expected ${i + 1}`);
    if (direction !== 'credit' && direction !== 'debit')
      fail(r.line, 'direction', direction!, 'expected credit or debit');
    const cents = decimalToCents(amount!);
    if (cents === null) fail(r.line, 'amount', amount!, 'expected a decimal with two decimals, e.g. 1234.50');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(vdate!)) fail(r.line, 'value_date', vdate!, 'expected YYYY-MM-DD');
    valueDate = vdate!;
    total += cents!;
    const tx: PaymentTransaction = {
      transaction_id: id!,
      direction: direction as 'credit' | 'debit',
      fisc_code: bank!,
      branch_code: branch!,
      account_number: account!,
      account_holder: holder!,
      amount_cents: cents!,
      id_number: idNumber!,
    };
    if (empty(description) !== null) tx.description = description!;
    if (empty(reference) !== null) tx.customer_reference = reference!;
    return tx;
  });
  const count = Number(totalRow.fields[1]);
  if (totalRow.fields[1] !== String(transactions.length) || !Number.isInteger(count)) {
    throw new FormatParseError(
      file,
      totalRow.line,
      'TOTAL',
      'count',
      'column 2',
      totalRow.fields[1] ?? '',
      `the file has ${transactions.length} rows`,
    );
  }
  if (decimalToCents(totalRow.fields[7] ?? '') !== total) {
    throw new FormatParseError(
      file,
      totalRow.line,
      'TOTAL',
      'amount',
      'column 8',
      totalRow.fields[7] ?? '',
      `rows add up to ${centsToDecimal(total)}`,
    );
  }
  return {
    value_date: valueDate,
    transactions,
  } as PaymentBatchInput;
}

export function parseCsvReconciliation(bytes: Uint8Array, encoding: Encoding, file: string): ReconciliationRecord[] {
  const rows = parseRows(bytes, encoding, file, RECON_COLUMNS);
  return rows.map((r) => {
    const [type, seq, id, reference, code, message, date, amount] = r.fields;
    const fail = (field: string, value: string, m: string): never => {
      throw new FormatParseError(file, r.line, type ?? null, field, `column ${column(RECON_COLUMNS, field)}`, value, m);
    };
    if (type !== 'D' && type !== 'R') fail('record_type', type!, 'expected D or R');
    if (empty(seq) !== null && !/^\d+$/.test(seq!)) fail('seq', seq!, 'expected an integer');
    const cents = empty(amount) === null ? null : decimalToCents(amount!);
    if (empty(amount) !== null && cents === null) fail('amount', amount!, 'expected a decimal with two decimals');
    if (empty(date) !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date!)) fail('date', date!, 'expected YYYY-MM-DD');
    const out: ReconciliationRecord = {
      record_type: type!,
      seq: empty(seq) === null ? null : Number(seq),
      transaction_id: empty(id),
      bank_reference: empty(reference),
      code: empty(code),
      message: empty(message),
      date: empty(date),
      amount_cents: cents,
    };
    const table = type === 'D' ? RESPONSE_CODES : RETURN_REASONS;
    if (out.code === null || !(out.code in table)) out.unknown_code = true;
    return out;
  });
}
