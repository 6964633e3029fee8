/**
 * Golden files: what we write must match the committed bytes exactly, and parsing them must give back the
 * committed JSON. The fixed-width and ACH details are also rebuilt here from the spec's positions, field by
 * field, so a golden file cannot quietly carry a layout mistake.
 */
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  type FileFormat,
  generatePaymentFile,
  generateReconciliationFile,
  type PaymentBatchInput,
  parsePaymentFile,
  parseReconciliationFile,
} from './index.ts';

const dir = 'test/fixtures/formats';
const batch = JSON.parse(readFileSync(`${dir}/batch-ctbc.json`, 'utf8')) as PaymentBatchInput;
const encodings: Record<FileFormat, 'Big5' | 'UTF-8'> = { fixed_width: 'Big5', tch_ach: 'Big5', csv: 'UTF-8' };
const formats = Object.keys(encodings) as FileFormat[];

/** A field the way the spec describes it: `9` zero-padded right, `X` Big5 bytes padded with spaces. */
function field(type: '9' | 'X', length: number, value: string): Buffer {
  if (type === '9') return Buffer.from(value.padStart(length, '0'), 'ascii');
  const bytes = iconv.encode(value, 'cp950');
  return Buffer.concat([bytes, Buffer.alloc(length - bytes.length, 0x20)]);
}

describe('golden files', () => {
  it.each(formats)('%s payment file is byte-identical to the golden file', (format) => {
    const { bytes } = generatePaymentFile(format, batch, { encoding: encodings[format] });
    expect(Buffer.from(bytes).equals(readFileSync(`${dir}/payment-${format}.golden`))).toBe(true);
  });

  it.each(formats)('%s payment golden file parses to the committed JSON', (format) => {
    const parsed = parsePaymentFile(format, readFileSync(`${dir}/payment-${format}.golden`), {
      encoding: encodings[format],
      fileName: 'golden',
    });
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(
      JSON.parse(readFileSync(`${dir}/payment-${format}.parsed.json`, 'utf8')),
    );
  });

  it.each(formats)('%s reconciliation file is byte-identical and parses to the committed JSON', (format) => {
    const input = JSON.parse(readFileSync(`${dir}/recon-${format}.json`, 'utf8'));
    const bytes = generateReconciliationFile(format, input, { encoding: encodings[format] });
    expect(Buffer.from(bytes).equals(readFileSync(`${dir}/recon-${format}.golden`))).toBe(true);
    const doc = parseReconciliationFile(format, bytes, { encoding: encodings[format], fileName: 'golden' });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(
      JSON.parse(readFileSync(`${dir}/recon-${format}.parsed.json`, 'utf8')),
    );
  });

  it('fixed_width: header, first detail and trailer are exactly the spec positions', () => {
    const lines = readFileSync(`${dir}/payment-fixed_width.golden`);
    expect(lines.length).toBe(4 * 202);
    const header = Buffer.concat([
      field('X', 1, 'H'),
      field('X', 20, 'CTBC202611260001'),
      field('9', 8, '20261126'),
      field('9', 6, '060000'),
      field('X', 10, 'LUCKYGAS'),
      field('X', 40, '幸福氣體有限公司'),
      field('9', 3, '822'),
      field('9', 3, '1'),
      field('X', 3, '1.0'),
      field('X', 106, ''),
      Buffer.from('\r\n'),
    ]);
    const detail = Buffer.concat([
      field('X', 1, 'D'),
      field('9', 6, '1'),
      field('X', 20, 'TX20261126000001'),
      field('9', 2, '27'),
      field('9', 3, '822'),
      field('9', 4, '0901'),
      field('9', 14, '123456789012'),
      field('X', 30, '王小明'),
      field('9', 13, '150000'),
      field('9', 8, '20261126'),
      field('X', 10, 'A123456789'),
      field('X', 40, '瓦斯費 2026-11'),
      field('X', 20, 'C000123'),
      field('X', 29, ''),
      Buffer.from('\r\n'),
    ]);
    // hash total: last 8 digits of 123456789012 and of 0012345678 (normalised), summed
    const trailer = Buffer.concat([
      field('X', 1, 'T'),
      field('9', 6, '2'),
      field('9', 15, '249900'),
      field('9', 15, String(56789012 + 12345678)),
      field('X', 163, ''),
      Buffer.from('\r\n'),
    ]);
    expect(lines.subarray(0, 202).equals(header)).toBe(true);
    expect(lines.subarray(202, 404).equals(detail)).toBe(true);
    expect(lines.subarray(606, 808).equals(trailer)).toBe(true);
  });

  it('tch_ach: header, a debit detail and trailer are exactly the spec positions (ROC dates)', () => {
    const lines = readFileSync(`${dir}/payment-tch_ach.golden`);
    expect(lines.length).toBe(4 * 252);
    const header = Buffer.concat([
      field('X', 3, 'BOF'),
      field('X', 6, 'ACHP01'),
      field('9', 8, '01151126'),
      field('9', 6, '060000'),
      field('9', 7, '8220901'),
      field('9', 7, '9990250'),
      field('X', 3, 'V10'),
      field('X', 210, ''),
      Buffer.from('\r\n'),
    ]);
    const detail = Buffer.concat([
      field('X', 1, 'N'),
      field('X', 2, 'SD'),
      field('9', 3, '904'),
      field('9', 8, '1'),
      field('9', 7, '8220901'),
      field('9', 16, '09010001234567'),
      field('9', 7, '8220901'),
      field('9', 16, '123456789012'),
      field('9', 10, '1500'),
      field('X', 2, ''),
      field('X', 1, 'B'),
      field('X', 10, '04595257'),
      field('X', 10, 'A123456789'),
      field('X', 6, ''),
      field('X', 8, ''),
      field('X', 8, ''),
      field('X', 1, ''),
      field('X', 20, 'C000123'),
      field('X', 40, 'TX20261126000001'),
      field('X', 10, ''),
      field('9', 5, '0'),
      field('X', 20, ''),
      field('X', 39, ''),
      Buffer.from('\r\n'),
    ]);
    const trailer = Buffer.concat([
      field('X', 3, 'EOF'),
      field('X', 6, 'ACHP01'),
      field('9', 8, '01151126'),
      field('9', 7, '8220901'),
      field('9', 7, '9990250'),
      field('9', 8, '2'),
      field('9', 16, '2499'),
      field('X', 8, ''),
      field('X', 187, ''),
      Buffer.from('\r\n'),
    ]);
    expect(lines.subarray(0, 252).equals(header)).toBe(true);
    expect(lines.subarray(252, 504).equals(detail)).toBe(true);
    expect(lines.subarray(756, 1008).equals(trailer)).toBe(true);
  });

  it('csv: quoted only where needed, amounts with two decimals, TOTAL row, CRLF, no BOM', () => {
    const text = readFileSync(`${dir}/payment-csv.golden`, 'utf8');
    expect(text.startsWith('seq,transaction_id,direction,')).toBe(true);
    expect(text).toContain(
      '\r\n2,TX20261126000002,credit,004,0012,0012345678,陳恒毅,999.00,2026-11-26,A800000014,"貨款, ""十一月""",C000124\r\n',
    );
    expect(text.endsWith('TOTAL,2,,,,,,2499.00,,,,\r\n')).toBe(true);
  });
});
