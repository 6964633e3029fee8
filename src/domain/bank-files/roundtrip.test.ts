/**
 * Property: for arbitrary valid batches, generate -> parse gives back what was written (names as truncated,
 * identifiers normalised). Names mix ASCII, common Chinese and CP950 extension characters, and include lengths
 * that end exactly on, or one byte past, the field's double-byte boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FileFormat, generatePaymentFile, type PaymentBatchInput, parsePaymentFile } from './index.ts';

const VALID_IDS = ['A123456789', 'A800000014', '04595257', '12345675', 'L160181599', 'B101661312'];
const NAME_CHARS = ['王', '小', '明', '恒', '裏', '碁', '許', '十', '卅', 'A', 'b', ' ', '-', '林', '蓋'];

const nameArb = fc.oneof(
  fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 24 }).map((a) => a.join('').trim() || '王'),
  // exactly on the 30-byte boundary, and one ASCII byte short of it with a double-byte character next
  fc.constant(`${'恒'.repeat(15)}`),
  fc.constant(`${'裏'.repeat(14)}A碁`),
);

const txArb = (i: number, format: FileFormat) =>
  fc
    .record({
      direction: fc.constantFrom('credit' as const, 'debit' as const),
      fisc_code: fc.stringMatching(/^\d{3}$/),
      branch_code: fc.stringMatching(/^\d{4}$/),
      account_number: format === 'tch_ach' ? fc.stringMatching(/^\d{1,16}$/) : fc.stringMatching(/^\d{1,14}$/),
      account_holder: nameArb,
      amount_cents:
        format === 'tch_ach'
          ? fc.integer({ min: 1, max: 99_999_999 }).map((d) => d * 100)
          : fc.integer({ min: 1, max: 9_999_999_999 }),
      id_number: fc.constantFrom(...VALID_IDS),
      description: fc.option(
        fc
          .array(fc.constantFrom(...NAME_CHARS, '0', '1', ','), { minLength: 1, maxLength: 20 })
          .map((a) => a.join('').trim()),
        { nil: undefined },
      ),
      customer_reference: fc.option(fc.stringMatching(/^[A-Z0-9]{1,20}$/), { nil: undefined }),
      cno: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
      txid: fc.constantFrom('405', '904'),
    })
    .map((t) => ({ ...t, transaction_id: `TX${String(i).padStart(6, '0')}` }));

const batchArb = (format: FileFormat) =>
  fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => txArb(i + 1, format))).map(
      (transactions): PaymentBatchInput => ({
        batch_number: 'MEGA202611260001',
        created_at: '2026-11-26T06:00:00+08:00',
        value_date: '2026-11-26',
        file_sequence: 1,
        fisc_code: '017',
        originator: {
          company_code: 'LUCKYGAS',
          company_name: '幸福氣體有限公司',
          id_number: '04595257',
          bank_unit: '0170077',
          account_number: '00770012345678',
        },
        transactions: transactions.map((t) => ({
          ...t,
          description: t.description || undefined,
        })) as PaymentBatchInput['transactions'],
      }),
    ),
  );

function truncate30(name: string): string {
  let bytes = 0;
  let out = '';
  for (const ch of name) {
    const n = ch.charCodeAt(0) < 0x80 ? 1 : 2;
    if (bytes + n > 30) break;
    bytes += n;
    out += ch;
  }
  return out;
}

describe('generate -> parse round trip', () => {
  it.each(['fixed_width', 'tch_ach', 'csv'] as const)('%s gives back every transaction', (format) => {
    const encoding = format === 'csv' ? 'UTF-8' : 'Big5';
    fc.assert(
      fc.property(batchArb(format), (batch) => {
        const { bytes } = generatePaymentFile(format, batch, { encoding });
        const parsed = parsePaymentFile(format, bytes, { encoding, fileName: 'prop' });
        expect(parsed.transactions).toHaveLength(batch.transactions.length);
        batch.transactions.forEach((tx, i) => {
          const back = parsed.transactions[i]!;
          expect(back.transaction_id).toBe(tx.transaction_id);
          expect(back.direction).toBe(tx.direction);
          expect(back.amount_cents).toBe(tx.amount_cents);
          expect(back.fisc_code).toBe(tx.fisc_code);
          expect(back.branch_code).toBe(tx.branch_code);
          expect(Number(back.account_number)).toBe(Number(tx.account_number));
          expect(back.id_number).toBe(tx.id_number);
          if (format === 'fixed_width')
            expect(back.account_holder).toBe(truncate30(tx.account_holder).replace(/ +$/, ''));
          if (format === 'csv') expect(back.account_holder).toBe(tx.account_holder);
          if (format !== 'tch_ach')
            expect(back.description ?? undefined).toBe(tx.description?.replace(/ +$/, '') || undefined);
          if (format === 'tch_ach') expect(back.cno).toBe(tx.cno);
        });
      }),
      { numRuns: 150 },
    );
  });
});
