/** Round trips (fast-check): generate -> parse gives back the input, for arbitrary valid batches. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FileFormat,
  generatePaymentFile,
  generateReconciliationFile,
  type PaymentBatchInput,
  type PaymentTransaction,
  parsePaymentFile,
  parseReconciliationFile,
  parseReconciliationStream,
  type ReconciliationRecord,
} from './index.ts';

const IDS = ['A123456789', 'A800000014', '04595257', '04595252', '12345675', 'AC00000003'];
// ASCII, common CP950 characters, the F9D6–F9FE extensions (恒 裏 碁) and 十/卅 (corrected code points)
const nameChar = fc.constantFrom(...'AZaz09 .-&()王小明陳許功蓋恒裏碁十卅股份有限公司'.split(''));
const name = fc
  .array(nameChar, { minLength: 1, maxLength: 24 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.endsWith(' '));
const shortText = (max: number) =>
  fc
    .array(nameChar, { minLength: 1, maxLength: max })
    .map((cs) => cs.join(''))
    .filter((s) => !s.endsWith(' ') && !s.startsWith(' '));

function transaction(format: FileFormat, i: number) {
  return fc
    .record({
      direction: fc.constantFrom('credit' as const, 'debit' as const),
      fisc_code: fc.stringMatching(/^\d{3}$/),
      branch_code: fc.stringMatching(/^\d{4}$/),
      account_number: fc.stringMatching(format === 'tch_ach' ? /^\d{1,16}$/ : /^\d{1,14}$/),
      account_holder: name,
      amount_cents:
        format === 'tch_ach'
          ? fc.integer({ min: 1, max: 9_999_999_999 }).map((d) => d * 100)
          : fc.integer({ min: 1, max: 10 ** 13 - 1 }),
      id_number: fc.constantFrom(...IDS),
      description: fc.option(shortText(20), { nil: undefined }),
      customer_reference: fc.option(fc.stringMatching(/^[A-Z0-9]{1,20}$/), { nil: undefined }),
      txid: fc.constantFrom('405', '904'),
      cno: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
      memo: fc.option(shortText(5), { nil: undefined }),
    })
    .map((t) => ({ ...t, transaction_id: `TX${String(i).padStart(6, '0')}` }) as PaymentTransaction);
}

function batchOf(format: FileFormat) {
  return fc
    .integer({ min: 1, max: 6 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => transaction(format, i + 1))))
    .map(
      (transactions): PaymentBatchInput => ({
        batch_number: 'CTBC202611260001',
        created_at: '2026-11-26T06:00:00+08:00',
        value_date: '2026-11-27',
        file_sequence: 3,
        fisc_code: '822',
        originator: {
          company_code: 'LUCKYGAS',
          company_name: '幸福氣體有限公司',
          id_number: '04595257',
          bank_unit: '8220901',
          account_number: '09010001234567',
        },
        transactions,
      }),
    );
}

/** Independent cut: ASCII 1 byte, anything else 2 bytes in CP950. */
function cut(text: string, max: number): string {
  let used = 0;
  let out = '';
  for (const ch of text) {
    used += ch.charCodeAt(0) < 0x80 ? 1 : 2;
    if (used > max) break;
    out += ch;
  }
  return out.replace(/ +$/, '');
}

function expected(format: FileFormat, batch: PaymentBatchInput) {
  const pad = (s: string, n: number) => s.padStart(n, '0');
  const txs = batch.transactions.map((t) => {
    const out: Record<string, unknown> = {
      transaction_id: t.transaction_id,
      direction: t.direction,
      fisc_code: t.fisc_code,
      branch_code: t.branch_code,
      account_number: format === 'csv' ? t.account_number : pad(t.account_number, format === 'tch_ach' ? 16 : 14),
      amount_cents: t.amount_cents,
      id_number: t.id_number,
    };
    if (format === 'tch_ach') {
      out.txid = t.txid;
      out.cno = t.cno;
      if (t.memo) out.memo = t.memo;
    } else {
      out.account_holder = format === 'fixed_width' ? cut(t.account_holder, 30) : t.account_holder;
      if (t.description) out.description = t.description;
      if (t.customer_reference) out.customer_reference = t.customer_reference;
    }
    return out;
  });
  if (format === 'csv') return { value_date: batch.value_date, transactions: txs };
  if (format === 'tch_ach') {
    return {
      created_at: batch.created_at,
      originator: { id_number: '04595257', bank_unit: '8220901', account_number: '0009010001234567' },
      transactions: txs,
    };
  }
  return {
    batch_number: batch.batch_number,
    created_at: batch.created_at,
    value_date: batch.value_date,
    file_sequence: batch.file_sequence,
    fisc_code: batch.fisc_code,
    originator: { company_code: 'LUCKYGAS', company_name: '幸福氣體有限公司' },
    transactions: txs,
  };
}

describe.each<[FileFormat, 'Big5' | 'UTF-8']>([
  ['fixed_width', 'Big5'],
  ['tch_ach', 'Big5'],
  ['csv', 'UTF-8'],
  ['csv', 'Big5'],
])('%s payment round trip (%s)', (format, encoding) => {
  it('generate -> parse gives back the input', () => {
    fc.assert(
      fc.property(batchOf(format), (batch) => {
        const { bytes } = generatePaymentFile(format, batch, { encoding });
        expect(parsePaymentFile(format, bytes, { encoding, fileName: 'f' })).toEqual(expected(format, batch));
      }),
      { numRuns: 30 },
    );
  });
});

describe('names at the field end', () => {
  it('a name filling the 30 bytes exactly with a double-byte character last is kept whole', () => {
    for (const holder of [`A${'恒'.repeat(14)}B`, `${'碁'.repeat(15)}`, `AB${'裏'.repeat(14)}`]) {
      const batch = fc.sample(batchOf('fixed_width'), { numRuns: 1, seed: 7 })[0]!;
      batch.transactions[0]!.account_holder = holder;
      const { bytes, warnings } = generatePaymentFile('fixed_width', batch, { encoding: 'Big5' });
      expect(warnings).toEqual([]);
      expect(
        parsePaymentFile('fixed_width', bytes, { encoding: 'Big5', fileName: 'f' }).transactions[0]!.account_holder,
      ).toBe(holder);
    }
  });
  it('one byte more cuts the whole last character', () => {
    const batch = fc.sample(batchOf('fixed_width'), { numRuns: 1, seed: 7 })[0]!;
    batch.transactions[0]!.account_holder = `ABC${'恒'.repeat(14)}`;
    const { bytes, warnings } = generatePaymentFile('fixed_width', batch, { encoding: 'Big5' });
    expect(warnings.map((w) => w.message)).toEqual(['truncated']);
    expect(
      parsePaymentFile('fixed_width', bytes, { encoding: 'Big5', fileName: 'f' }).transactions[0]!.account_holder,
    ).toBe(`ABC${'恒'.repeat(13)}`);
  });
});

const reconRecord = (format: FileFormat) =>
  fc
    .record({
      kind: fc.boolean(),
      seq: fc.integer({ min: 1, max: 999_999 }),
      transaction_id: fc.stringMatching(/^[\x21-\x7E]{1,20}$/),
      bank_reference: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
      dcode: fc.constantFrom('000', '002', '999', '123'),
      rcode: fc.constantFrom('R01', 'R12', 'R99', 'X77'),
      message: fc.option(shortText(20), { nil: null }),
      date: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      amount_cents: fc.integer({ min: 1, max: 10 ** 12 }),
    })
    .map((r) => {
      const date = r.date.toISOString().slice(0, 10);
      const code = r.kind ? r.dcode : r.rcode;
      const known = r.kind ? ['000', '002', '999'] : ['R01', 'R12', 'R99'];
      const out: ReconciliationRecord = r.kind
        ? {
            record_type: 'D',
            seq: r.seq,
            transaction_id: r.transaction_id,
            bank_reference: r.bank_reference,
            code,
            message: r.message,
            date,
            amount_cents: r.amount_cents,
          }
        : {
            record_type: 'R',
            seq: r.seq,
            transaction_id: r.transaction_id,
            ...(format === 'csv' ? { bank_reference: null } : {}),
            code,
            message: r.message,
            date,
            amount_cents: r.amount_cents,
          };
      if (!known.includes(code)) out.unknown_code = true;
      return out;
    });

describe.each<FileFormat>(['fixed_width', 'csv'])('%s reconciliation round trip', (format) => {
  it('generate -> parse (whole and streamed in small chunks) gives back the records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(reconRecord(format), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 97 }),
        async (records, size) => {
          const encoding = 'Big5';
          const bytes = generateReconciliationFile(format, { records }, { encoding });
          const doc = parseReconciliationFile(format, bytes, { encoding, fileName: 'r' });
          expect(doc.records).toEqual(records);
          expect(doc.totals).toEqual({
            count: records.length,
            amount_cents: records.reduce((s, r) => s + r.amount_cents!, 0),
          });
          async function* chunks() {
            for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
          }
          const streamed: ReconciliationRecord[] = [];
          for await (const r of parseReconciliationStream(format, chunks(), { encoding, fileName: 'r' }))
            streamed.push(r);
          expect(streamed).toEqual(records);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('tch_ach reconciliation round trip', () => {
  it('ACHR01 records come back field by field', () => {
    const record = fc.record({
      txtype: fc.constantFrom('SC', 'SD'),
      txid: fc.constantFrom('405', '904'),
      seq: fc.integer({ min: 1, max: 99_999_999 }),
      pbank: fc.stringMatching(/^\d{7}$/),
      pclno: fc.stringMatching(/^\d{16}$/),
      rclno: fc.stringMatching(/^\d{16}$/),
      amount: fc.integer({ min: 1, max: 9_999_999_999 }),
      code: fc.constantFrom('01', '04', '99', '55'),
      cid: fc.constantFrom(...IDS),
      cno: fc.option(fc.stringMatching(/^[A-Z0-9]{1,20}$/), { nil: null }),
      note: fc.stringMatching(/^[\x21-\x7E]{1,20}$/),
      pseq: fc.integer({ min: 1, max: 99_999_999 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (rs) => {
        const records: ReconciliationRecord[] = rs.map((r) => ({
          record_type: 'R',
          type: 'R',
          txtype: r.txtype,
          txid: r.txid,
          seq: r.seq,
          pbank: r.pbank,
          pclno: r.pclno,
          rbank: '8220901',
          rclno: r.rclno,
          amount_cents: r.amount * 100,
          code: r.code,
          cid: r.cid,
          pid: '04595257',
          cno: r.cno,
          note: r.note,
          pdate: '2026-11-26',
          pseq: r.pseq,
          transaction_id: r.note,
          date: '2026-11-27',
          ...(r.code === '55' ? { unknown_code: true as const } : {}),
        }));
        const bytes = generateReconciliationFile(
          'tch_ach',
          { records, header: { created_at: '2026-11-27T09:00:00+08:00', bank_unit: '8220901' } },
          { encoding: 'Big5' },
        );
        expect(parseReconciliationFile('tch_ach', bytes, { encoding: 'Big5', fileName: 'r' }).records).toEqual(records);
      }),
      { numRuns: 30 },
    );
  });
});
