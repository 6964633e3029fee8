import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isValidTaiwanId, isValidUnifiedBusinessNumber } from './checksums.ts';
import {
  BatchValidationError,
  type FileFormat,
  generatePaymentFile,
  type PaymentBatchInput,
  validatePaymentBatch,
} from './index.ts';

const base = JSON.parse(readFileSync('test/fixtures/formats/batch-ctbc.json', 'utf8')) as PaymentBatchInput;

function withTx(change: Record<string, unknown>, index = 0): PaymentBatchInput {
  const copy = structuredClone(base);
  Object.assign(copy.transactions[index]!, change);
  return copy;
}

function errorsOf(format: FileFormat, batch: PaymentBatchInput, encoding: 'Big5' | 'UTF-8' = 'Big5') {
  return validatePaymentBatch(format, batch, { encoding }).errors.map((e) => `${e.transaction_id}:${e.field}`);
}

describe('checksums (spec examples)', () => {
  it('national ID and resident certificate', () => {
    expect(isValidTaiwanId('A123456789')).toBe(true);
    expect(isValidTaiwanId('A800000014')).toBe(true);
    expect(isValidTaiwanId('A123456788')).toBe(false);
    expect(isValidTaiwanId('A323456789')).toBe(false);
  });
  it('unified business number: old rule, new mod-5 rule, 7th-digit-7 rule', () => {
    expect(isValidUnifiedBusinessNumber('04595257')).toBe(true);
    expect(isValidUnifiedBusinessNumber('04595252')).toBe(true);
    expect(isValidUnifiedBusinessNumber('12345675')).toBe(true);
    expect(isValidUnifiedBusinessNumber('12345678')).toBe(false);
    expect(isValidUnifiedBusinessNumber('1234567')).toBe(false);
  });
});

describe('validation rules: each fails and passes', () => {
  it('the base batch is valid in every format', () => {
    for (const format of ['fixed_width', 'tch_ach', 'csv'] as const) expect(errorsOf(format, base)).toEqual([]);
  });

  it.each([
    ['transaction_id', { transaction_id: 'TX 1' }, 'fixed_width'],
    ['transaction_id', { transaction_id: 'X'.repeat(21) }, 'fixed_width'],
    ['direction', { direction: 'refund' }, 'fixed_width'],
    ['txid', { txid: undefined }, 'tch_ach'],
    ['fisc_code', { fisc_code: '82' }, 'fixed_width'],
    ['branch_code', { branch_code: '901' }, 'csv'],
    ['account_number', { account_number: '123456789012345' }, 'fixed_width'],
    ['account_number', { account_number: '12345678901234567' }, 'tch_ach'],
    ['account_number', { account_number: '12AB' }, 'csv'],
    ['id_number', { id_number: 'A123456788' }, 'fixed_width'],
    ['id_number', { id_number: '04595253' }, 'csv'],
    ['account_holder', { account_holder: '' }, 'fixed_width'],
    ['account_holder', { account_holder: '王堃' }, 'fixed_width'],
    ['amount_cents', { amount_cents: 0 }, 'fixed_width'],
    ['amount_cents', { amount_cents: 12.5 }, 'csv'],
    ['amount_cents', { amount_cents: 150050 }, 'tch_ach'],
    ['amount_cents', { amount_cents: 10 ** 13 }, 'fixed_width'],
    ['description', { description: 'あ' }, 'fixed_width'],
    ['description', { description: '瓦'.repeat(21) }, 'fixed_width'],
    ['customer_reference', { customer_reference: 'C'.repeat(21) }, 'fixed_width'],
    ['cno', { cno: undefined }, 'tch_ach'],
    ['memo', { memo: '摘要摘要摘要' }, 'tch_ach'],
  ])('%s: %j is refused in %s naming the transaction and field', (fieldName, change, format) => {
    const id = (change as { transaction_id?: string }).transaction_id ?? 'TX20261126000001';
    expect(errorsOf(format as FileFormat, withTx(change))).toContain(`${id}:${fieldName}`);
  });

  it('a duplicate transaction id is refused', () => {
    expect(errorsOf('fixed_width', withTx({ transaction_id: 'TX20261126000001' }, 1))).toContain(
      'TX20261126000001:transaction_id',
    );
  });

  it('account numbers and IDs are NFKC-normalised before validation (full-width digits pass)', () => {
    expect(
      errorsOf('fixed_width', withTx({ account_number: '１２３４-５６７８', id_number: 'Ａ１２３４５６７８９' })),
    ).toEqual([]);
  });

  it('created_at without an offset, a bad value date and an empty batch are batch errors', () => {
    const b = structuredClone(base);
    b.created_at = '2026-11-26T06:00:00';
    b.value_date = '2026-02-30';
    expect(errorsOf('fixed_width', b)).toEqual(['null:created_at', 'null:value_date']);
    expect(errorsOf('csv', { ...base, transactions: [] })).toEqual(['null:transactions']);
  });

  it('an unencodable character is reported with the character, never written as ?', () => {
    const result = validatePaymentBatch('fixed_width', withTx({ account_holder: '王堃' }), { encoding: 'Big5' });
    expect(result.errors[0]!.message).toContain('堃');
    expect(() => generatePaymentFile('fixed_width', withTx({ account_holder: '王堃' }), { encoding: 'Big5' })).toThrow(
      BatchValidationError,
    );
    // the same name is fine in a UTF-8 csv
    expect(errorsOf('csv', withTx({ account_holder: '王堃' }), 'UTF-8')).toEqual([]);
  });

  it('a long name is cut at a character boundary with a truncated warning, never split', () => {
    // 14 double-byte characters (28 bytes) + "AB" = 30 bytes exactly: fits; one more character does not
    const exact = `${'恒'.repeat(14)}AB`;
    expect(
      validatePaymentBatch('fixed_width', withTx({ account_holder: exact }), { encoding: 'Big5' }).warnings,
    ).toEqual([]);
    const crossing = `${'恒'.repeat(14)}A裏`;
    const result = validatePaymentBatch('fixed_width', withTx({ account_holder: crossing }), { encoding: 'Big5' });
    expect(result.warnings).toEqual([
      { transaction_id: 'TX20261126000001', field: 'account_holder', message: 'truncated', value: crossing },
    ]);
    const { bytes } = generatePaymentFile('fixed_width', withTx({ account_holder: crossing }), { encoding: 'Big5' });
    const name = Buffer.from(bytes.subarray(202 + 50, 202 + 80));
    expect(name[29]).toBe(0x20);
    expect(name.subarray(28, 29).toString()).toBe('A');
  });

  it('十 and 卅 are written as CP950 writes them (A451, A4CA)', () => {
    const { bytes } = generatePaymentFile('fixed_width', withTx({ account_holder: '十卅' }), { encoding: 'Big5' });
    expect(Buffer.from(bytes.subarray(202 + 50, 202 + 54)).toString('hex')).toBe('a451a4ca');
  });
});
