/** Parser tolerances and refusals of docs/formats.md: LF-only, no final CRLF, BOM, trimmed spaces; legacy ACH; totals. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatParseError, parsePaymentFile, parseReconciliationFile, splitBatch } from './index.ts';

const dir = 'test/fixtures/formats';
const golden = (name: string) => Buffer.from(readFileSync(`${dir}/${name}`));
const opts = { encoding: 'Big5' as const, fileName: 'f.txt' };

function trimmed(bytes: Buffer): Buffer {
  return Buffer.from(
    bytes
      .toString('latin1')
      .split('\r\n')
      .map((l) => l.replace(/ +$/, ''))
      .join('\n'),
    'latin1',
  );
}

function parseError(fn: () => unknown): FormatParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatParseError);
    return error as FormatParseError;
  }
  throw new Error('expected a FormatParseError');
}

describe('tolerances', () => {
  it.each(['fixed_width', 'tch_ach'] as const)('%s: LF-only, no final line ending, BOM, trimmed spaces', (format) => {
    const bytes = golden(`payment-${format}.golden`);
    const want = parsePaymentFile(format, bytes, opts);
    const variants = [
      Buffer.from(bytes.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'),
      bytes.subarray(0, bytes.length - 2),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]),
      trimmed(bytes),
    ];
    for (const v of variants) expect(parsePaymentFile(format, v, opts)).toEqual(want);
  });

  it('csv: BOM, LF-only and missing final line ending', () => {
    const bytes = golden('recon-csv.golden');
    const want = parseReconciliationFile('csv', bytes, { encoding: 'UTF-8', fileName: 'r.csv' });
    for (const v of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]),
      Buffer.from(bytes.toString('utf8').replaceAll('\r\n', '\n')),
      bytes.subarray(0, bytes.length - 2),
    ]) {
      expect(parseReconciliationFile('csv', v, { encoding: 'UTF-8', fileName: 'r.csv' })).toEqual(want);
    }
  });
});

describe('refusals', () => {
  it('a 160-byte legacy ACH file gets "legacy ACH layout not supported"', () => {
    const legacy = Buffer.from(
      `${'BOFACHP0101151126060000822090199902501'.padEnd(160, ' ')}\r\n${'N'.padEnd(160)}\r\n`,
    );
    expect(parseError(() => parsePaymentFile('tch_ach', legacy, opts)).reason).toMatch(
      /legacy ACH layout not supported/,
    );
  });

  it('fixed_width: a wrong total, count or hash total rejects the whole file', () => {
    const bytes = golden('payment-fixed_width.golden');
    for (const [offset, field] of [
      [3 * 202 + 21, 'total_amount'],
      [3 * 202 + 6, 'count'],
      [3 * 202 + 36, 'hash_total'],
    ] as const) {
      const bad = Buffer.from(bytes);
      bad[offset] = bad[offset] === 0x39 ? 0x38 : 0x39;
      const e = parseError(() => parsePaymentFile('fixed_width', bad, opts));
      expect(e).toMatchObject({ line: 4, record_type: 'T', field });
    }
  });

  it('tch_ach reconciliation: TAMT mismatch names the trailer field', () => {
    const bad = golden('recon-tch_ach.golden');
    bad[3 * 252 + 54] = 0x38;
    expect(parseError(() => parseReconciliationFile('tch_ach', bad, opts))).toMatchObject({
      line: 4,
      record_type: 'trailer',
      field: 'tamt',
      position: '40-55',
    });
  });

  it('a Big5 field cut in the middle of a double-byte character is refused, not garbled', () => {
    const bad = golden('recon-fixed_width.golden');
    bad[71] = 0xa4; // first byte of the message, followed by a lead byte pair out of step
    bad[72] = 0x20;
    expect(parseError(() => parseReconciliationFile('fixed_width', bad, opts))).toMatchObject({
      line: 1,
      field: 'message',
      position: '72-111',
    });
  });

  it('an unknown reconciliation record type is an error', () => {
    const bad = golden('recon-fixed_width.golden');
    bad[202] = 0x58;
    expect(parseError(() => parseReconciliationFile('fixed_width', bad, opts))).toMatchObject({
      line: 2,
      field: 'record_type',
      value: 'X',
    });
    const csv = Buffer.from(
      'record_type,seq,transaction_id,bank_reference,code,message,date,amount\r\nX,1,T,,000,,,1.00\r\n',
    );
    expect(parseError(() => parseReconciliationFile('csv', csv, { encoding: 'UTF-8', fileName: 'r' }))).toMatchObject({
      line: 2,
      field: 'record_type',
    });
  });

  it('csv amounts need exactly two decimals', () => {
    for (const amount of ['1500', '1500.0', '1,500.00', '-1.00', '1e3']) {
      const csv = Buffer.from(
        `record_type,seq,transaction_id,bank_reference,code,message,date,amount\r\nD,1,T,,000,,2026-11-26,${amount.includes(',') ? `"${amount}"` : amount}\r\n`,
      );
      expect(parseError(() => parseReconciliationFile('csv', csv, { encoding: 'UTF-8', fileName: 'r' }))).toMatchObject(
        {
          field: 'amount',
          position: 'column 8',
        },
      );
    }
  });
});

describe('splitBatch', () => {
  const tx = (i: number) => ({
    transaction_id: `TX${i}`,
    direction: 'credit' as const,
    fisc_code: '822',
    branch_code: '0901',
    account_number: '123456789012',
    account_holder: '王小明',
    amount_cents: 100,
    id_number: 'A123456789',
    description: '貨款',
  });
  it('keeps order and at most 5,000 transactions per chunk', () => {
    const txs = Array.from({ length: 12_001 }, (_, i) => tx(i));
    const chunks = splitBatch(txs, { format: 'fixed_width', encoding: 'Big5' });
    expect(chunks.map((c) => c.length)).toEqual([5000, 5000, 2001]);
    expect(chunks.flat()).toEqual(txs);
  });
  it('keeps each file within maxBytes (exact for fixed formats)', () => {
    const txs = Array.from({ length: 10 }, (_, i) => tx(i));
    expect(
      splitBatch(txs, { format: 'fixed_width', encoding: 'Big5', maxBytes: 202 * 5 }).map((c) => c.length),
    ).toEqual([3, 3, 3, 1]);
    expect(splitBatch(txs, { format: 'tch_ach', encoding: 'Big5', maxBytes: 252 * 7 }).map((c) => c.length)).toEqual([
      5, 5,
    ]);
  });
});
