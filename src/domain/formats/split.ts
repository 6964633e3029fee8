/**
 * Splits a long list of transactions into consecutive files within the limits of docs/formats.md (5,000
 * transactions, 10 MB per file). Sizes are exact: fixed formats are (n + 2) records of 202/252 bytes; csv rows
 * are measured as the writer will write them (normalised values, quoting, the file's encoding).
 */
import { centsToDecimal } from '../money.ts';
import { CSV_PAYMENT_COLUMNS } from './csv-columns.ts';
import { byteLength, charByteLength } from './encoding.ts';
import { normaliseTransaction } from './normalise.ts';
import type { Encoding, FileFormat, PaymentTransaction } from './types.ts';
import { MAX_FILE_BYTES, MAX_TRANSACTIONS } from './validate.ts';

function csvCellBytes(value: unknown, encoding: Encoding): number {
  if (value === undefined || value === null) return 0;
  const s = String(value);
  let n = 0;
  // unencodable characters are refused by validation; count them generously here
  for (const ch of s) n += charByteLength(ch, encoding) || 4;
  if (/[",\r\n]/.test(s)) n += 2 + (s.match(/"/g)?.length ?? 0);
  return n;
}

function csvRowBytes(tx: PaymentTransaction, seq: number, encoding: Encoding): number {
  const t = normaliseTransaction(tx);
  const amount = Number.isSafeInteger(t.amount_cents) && t.amount_cents >= 0 ? centsToDecimal(t.amount_cents) : '';
  const cells = [
    seq,
    t.transaction_id,
    t.direction,
    t.fisc_code,
    t.branch_code,
    t.account_number,
    t.account_holder,
    amount,
    '0000-00-00',
    t.id_number,
    t.description,
    t.customer_reference,
  ];
  return cells.reduce<number>((sum, c) => sum + csvCellBytes(c, encoding), 0) + cells.length - 1 + 2;
}

function csvTotalBytes(count: number, totalCents: number): number {
  return `TOTAL,${count},,,,,,${centsToDecimal(Math.max(0, totalCents))},,,,\r\n`.length;
}

const CSV_HEADER_BYTES = byteLength(`${CSV_PAYMENT_COLUMNS.join(',')}\r\n`, 'UTF-8');

export function splitBatch(
  transactions: PaymentTransaction[],
  options: { format: FileFormat; encoding: Encoding; maxTransactions?: number; maxBytes?: number },
): PaymentTransaction[][] {
  const maxCount = options.maxTransactions ?? MAX_TRANSACTIONS;
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const chunks: PaymentTransaction[][] = [];
  let current: PaymentTransaction[] = [];
  let body = 0;
  let total = 0;
  const size = (count: number, bodyBytes: number, totalCents: number) => {
    if (options.format === 'fixed_width') return (count + 2) * 202;
    if (options.format === 'tch_ach') return (count + 2) * 252;
    return CSV_HEADER_BYTES + bodyBytes + csvTotalBytes(count, totalCents);
  };
  for (const tx of transactions) {
    const amount = Number.isSafeInteger(tx.amount_cents) ? tx.amount_cents : 0;
    let row = options.format === 'csv' ? csvRowBytes(tx, current.length + 1, options.encoding) : 0;
    if (
      current.length > 0 &&
      (current.length >= maxCount || size(current.length + 1, body + row, total + amount) > maxBytes)
    ) {
      chunks.push(current);
      current = [];
      body = 0;
      total = 0;
      if (options.format === 'csv') row = csvRowBytes(tx, 1, options.encoding);
    }
    current.push(tx);
    body += row;
    total += amount;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
