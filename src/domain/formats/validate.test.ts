/** Each validation rule of docs/formats.md with a failing and a passing case. */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  BatchValidationError,
  type FileFormat,
  generatePaymentFile,
  type PaymentBatchInput,
  type PaymentTransaction,
  validatePaymentBatch,
} from './index.ts';

const base: PaymentBatchInput = {
  batch_number: 'CTBC202611260001',
  created_at: '2026-11-26T06:00:00+08:00',
  value_date: '2026-11-26',
  file_sequence: 1,
  fisc_code: '822',
  originator: {
    company_code: 'LUCKYGAS',
    company_name: '幸福氣體有限公司',
    id_number: '04595257',
    bank_unit: '8220901',
    account_number: '09010001234567',
  },
  transactions: [
    {
      transaction_id: 'TX1',
      direction: 'debit',
      txid: '904',
      fisc_code: '822',
      branch_code: '0901',
      account_number: '123456789012',
      account_holder: '王小明',
      amount_cents: 150000,
      id_number: 'A123456789',
      description: '瓦斯費',
      customer_reference: 'C000123',
      cno: 'C000123',
    },
  ],
};

function withTx(patch: Partial<PaymentTransaction> & Record<string, unknown>, extra: PaymentTransaction[] = []) {
  return { ...base, transactions: [{ ...base.transactions[0]!, ...patch } as PaymentTransaction, ...extra] };
}

function errors(format: FileFormat, batch: PaymentBatchInput, encoding: 'Big5' | 'UTF-8' = 'Big5') {
  return validatePaymentBatch(format, batch, { encoding }).errors.map((e) => `${e.transaction_id}:${e.field}`);
}

const ALL: FileFormat[] = ['fixed_width', 'tch_ach', 'csv'];

describe('validation rules', () => {
  it('the base batch is valid in every format', () => {
    for (const f of ALL) expect(errors(f, base)).toEqual([]);
  });

  it.each([
    ['transaction_id', { transaction_id: 'TX 1' }, { transaction_id: 'TX-1/#!' }],
    ['transaction_id', { transaction_id: 'X'.repeat(21) }, { transaction_id: 'X'.repeat(20) }],
    ['transaction_id', { transaction_id: '' }, { transaction_id: '~' }],
    ['direction', { direction: 'refund' }, { direction: 'credit' }],
    ['fisc_code', { fisc_code: '82' }, { fisc_code: '８２２' }],
    ['branch_code', { branch_code: '901' }, { branch_code: '0901' }],
    ['account_number', { account_number: '12345678901234X' }, { account_number: '1234-5678 9012' }],
    ['account_number', { account_number: '123456789012345' }, { account_number: '12345678901234' }],
    ['account_number', { account_number: '' }, { account_number: '1' }],
    ['id_number', { id_number: 'A123456788' }, { id_number: 'Ａ１２３４５６７８９' }],
    ['id_number', { id_number: '04595258' }, { id_number: '04595252' }],
    ['id_number', { id_number: 'A900000000' }, { id_number: 'A800000014' }],
    ['account_holder', { account_holder: '' }, { account_holder: '王' }],
    ['amount_cents', { amount_cents: 0 }, { amount_cents: 1 }],
    ['amount_cents', { amount_cents: 10.5 }, { amount_cents: 1050 }],
    ['amount_cents', { amount_cents: 10 ** 13 }, { amount_cents: 10 ** 13 - 1 }],
    ['description', { description: '瓦'.repeat(21) }, { description: '瓦'.repeat(20) }],
    ['description', { description: '犇' }, { description: '碁' }],
    ['customer_reference', { customer_reference: 'C'.repeat(21) }, { customer_reference: 'Ｃ'.repeat(20) }],
  ])('fixed_width %s: %j fails, %j passes', (field, bad, good) => {
    expect(errors('fixed_width', withTx(bad as never))).toContain(
      `${(bad as { transaction_id?: string }).transaction_id ?? 'TX1'}:${field}`,
    );
    expect(errors('fixed_width', withTx(good as never))).toEqual([]);
  });

  it('normalises a field whose check passes only once normalised, and one no check looks at (cno in fixed_width)', () => {
    const batch = withTx({ customer_reference: 'Ｃ１２', cno: 'Ｃ０００１２３', account_number: '1234-5678' });
    const result = validatePaymentBatch('fixed_width', batch, { encoding: 'Big5' });
    expect(result.errors).toEqual([]);
    expect(result.normalised.transactions[0]).toMatchObject({
      customer_reference: 'C12',
      cno: 'C000123',
      account_number: '12345678',
    });
    // nothing to normalise: the transaction as given
    expect(validatePaymentBatch('fixed_width', base, { encoding: 'Big5' }).normalised.transactions[0]).toBe(
      base.transactions[0],
    );
  });

  it('a transaction that is not an object is a batch error, not a crash', () => {
    const batch = { ...base, transactions: [null as unknown as PaymentTransaction] };
    expect(errors('fixed_width', batch)).toContain('null:transactions');
  });

  it('transaction ids are unique within the file', () => {
    const dup = { ...base.transactions[0]! };
    expect(errors('csv', withTx({}, [dup]))).toEqual(['TX1:transaction_id']);
    expect(errors('csv', withTx({}, [{ ...dup, transaction_id: 'TX2' }]))).toEqual([]);
  });

  // one rule for every required field: null, absent, empty and whitespace-only are all "not given"
  const notGiven: Array<[string, (key: string) => Record<string, unknown>]> = [
    ['null', (key) => ({ [key]: null })],
    ['absent', (key) => ({ [key]: undefined })],
    ['empty', (key) => ({ [key]: '' })],
    ['whitespace-only', (key) => ({ [key]: '   ' })],
  ];
  it.each(notGiven)('a tch_ach debit whose cno is %s is refused; a credit does not need one', (_, blank) => {
    expect(errors('tch_ach', withTx(blank('cno')))).toEqual(['TX1:cno']);
    expect(errors('tch_ach', withTx({ ...blank('cno'), direction: 'credit' }))).toEqual([]);
  });
  it.each(notGiven)('an account holder that is %s is refused in every format', (_, blank) => {
    for (const f of ALL) expect(errors(f, withTx(blank('account_holder')))).toEqual(['TX1:account_holder']);
  });
  it.each(notGiven)('an id_number, txid or bank code that is %s is refused the same way', (_, blank) => {
    for (const f of ALL) expect(errors(f, withTx(blank('id_number')))).toEqual(['TX1:id_number']);
    for (const f of ALL) expect(errors(f, withTx(blank('fisc_code')))).toEqual(['TX1:fisc_code']);
    expect(errors('tch_ach', withTx(blank('txid')))).toEqual(['TX1:txid']);
  });
  it.each(notGiven)('a fixed-width batch number that is %s is refused', (_, blank) => {
    expect(errors('fixed_width', { ...base, ...blank('batch_number') } as PaymentBatchInput)).toEqual([
      'null:batch_number',
    ]);
  });

  it('tch_ach: txid required (3 digits), cno required for debits, whole dollars, 16-digit accounts', () => {
    expect(errors('tch_ach', withTx({ txid: undefined }))).toEqual(['TX1:txid']);
    expect(errors('tch_ach', withTx({ txid: '90' }))).toEqual(['TX1:txid']);
    expect(errors('fixed_width', withTx({ txid: undefined }))).toEqual([]);
    expect(errors('tch_ach', withTx({ cno: undefined }))).toEqual(['TX1:cno']);
    expect(errors('tch_ach', withTx({ cno: undefined, direction: 'credit' }))).toEqual([]);
    expect(errors('tch_ach', withTx({ amount_cents: 150050 }))).toEqual(['TX1:amount_cents']);
    expect(errors('fixed_width', withTx({ amount_cents: 150050 }))).toEqual([]);
    expect(errors('tch_ach', withTx({ account_number: '1234567890123456' }))).toEqual([]);
    expect(errors('tch_ach', withTx({ account_number: '12345678901234567' }))).toEqual(['TX1:account_number']);
    expect(errors('tch_ach', withTx({ amount_cents: 10 ** 12 }))).toEqual(['TX1:amount_cents']);
    expect(errors('tch_ach', withTx({ memo: '瓦斯費帳單12' }))).toEqual(['TX1:memo']);
    expect(errors('tch_ach', withTx({ memo: '瓦斯費帳單' }))).toEqual([]);
  });

  it('only the fields a format writes are checked against its encoding', () => {
    // tch_ach writes no name and no description
    expect(errors('tch_ach', withTx({ account_holder: '王堃', description: '犇' }))).toEqual([]);
    expect(errors('fixed_width', withTx({ account_holder: '王堃' }))).toEqual(['TX1:account_holder']);
    expect(errors('csv', withTx({ account_holder: '王堃' }), 'UTF-8')).toEqual([]);
    expect(errors('csv', withTx({ account_holder: '王堃' }), 'Big5')).toEqual(['TX1:account_holder']);
  });

  it('an unencodable character is an error naming transaction, field and character, never "?"', () => {
    for (const ch of ['堃', '喆', '犇', '凃', '菓', 'カ', '①', 'Я']) {
      const result = validatePaymentBatch('fixed_width', withTx({ account_holder: `王${ch}` }), { encoding: 'Big5' });
      expect(result.errors).toEqual([
        expect.objectContaining({
          transaction_id: 'TX1',
          field: 'account_holder',
          message: expect.stringContaining(ch),
        }),
      ]);
    }
    expect(() => generatePaymentFile('fixed_width', withTx({ account_holder: '王堃' }), { encoding: 'Big5' })).toThrow(
      BatchValidationError,
    );
  });

  it('a long name is cut at a character boundary with a truncated warning; other long text is an error', () => {
    const exact = `${'恒'.repeat(15)}`; // 30 bytes
    expect(
      validatePaymentBatch('fixed_width', withTx({ account_holder: exact }), { encoding: 'Big5' }).warnings,
    ).toEqual([]);
    const crossing = `A${'恒'.repeat(15)}`; // 31 bytes: the last 恒 would cross byte 30
    const result = validatePaymentBatch('fixed_width', withTx({ account_holder: crossing }), { encoding: 'Big5' });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      { transaction_id: 'TX1', field: 'account_holder', message: 'truncated', value: crossing },
    ]);
    const { bytes } = generatePaymentFile('fixed_width', withTx({ account_holder: crossing }), { encoding: 'Big5' });
    const name = Buffer.from(bytes.subarray(202 + 50, 202 + 80));
    expect(
      name.subarray(0, 29).equals(Buffer.concat([Buffer.from('A'), ...Array(14).fill(iconv.encode('恒', 'cp950'))])),
    ).toBe(true);
    expect(name[29]).toBe(0x20); // the cut character leaves a space, never half a character
  });

  it('十 and 卅 are written A451 / A4CA', () => {
    const { bytes } = generatePaymentFile('fixed_width', withTx({ account_holder: '十卅' }), { encoding: 'Big5' });
    expect(Buffer.from(bytes.subarray(202 + 50, 202 + 54)).toString('hex')).toBe('a451a4ca');
  });

  it('control characters cannot go into a fixed-width record (a LF would split it)', () => {
    expect(errors('fixed_width', withTx({ description: 'a\nb' }))).toEqual(['TX1:description']);
    expect(errors('csv', withTx({ description: 'a\nb' }))).toEqual([]);
  });

  it('created_at must carry an offset or Z', () => {
    expect(errors('fixed_width', { ...base, created_at: '2026-11-26T06:00:00' })).toEqual(['null:created_at']);
    expect(errors('fixed_width', { ...base, created_at: '2026-11-25T22:00:00.123Z' })).toEqual([]);
  });

  it('created_at must name a real day and time (no rolling 30 February into March)', () => {
    for (const bad of [
      '2026-02-30T06:00:00+08:00',
      '2026-11-26T24:00:00Z',
      '2026-11-26T06:60:00Z',
      '2026-11-26T06:00:00+25:00',
    ]) {
      expect(errors('fixed_width', { ...base, created_at: bad })).toEqual(['null:created_at']);
    }
    expect(errors('fixed_width', { ...base, created_at: '2028-02-29T23:59:59+0800' })).toEqual([]);
  });

  it('a csv file over 10 MB is refused as a whole (split the batch), nothing is written', () => {
    const long = 'x'.repeat(30_000);
    const transactions = Array.from({ length: 360 }, (_, i) => ({
      ...base.transactions[0]!,
      transaction_id: `TX${i}`,
      description: long,
    }));
    const batch = { ...base, transactions };
    expect(() => generatePaymentFile('csv', batch, { encoding: 'UTF-8' })).toThrow(BatchValidationError);
    const fits = { ...base, transactions: transactions.slice(0, 300) };
    expect(generatePaymentFile('csv', fits, { encoding: 'UTF-8' }).bytes.length).toBeLessThan(10 * 1024 * 1024);
  });

  it('header date and time are Asia/Taipei; fractional seconds are dropped', () => {
    const { bytes } = generatePaymentFile(
      'fixed_width',
      { ...base, created_at: '2026-11-25T22:30:15.987Z' },
      {
        encoding: 'Big5',
      },
    );
    expect(Buffer.from(bytes.subarray(21, 35)).toString('latin1')).toBe('20261126063015');
    const ach = generatePaymentFile(
      'tch_ach',
      { ...base, created_at: '2026-08-04T20:00:00-04:00' },
      { encoding: 'Big5' },
    );
    expect(Buffer.from(ach.bytes.subarray(9, 23)).toString('latin1')).toBe('01150805080000');
  });

  it('batch-level problems carry transaction_id null', () => {
    expect(errors('fixed_width', { ...base, value_date: '2026-02-30' })).toEqual(['null:value_date']);
    expect(errors('fixed_width', { ...base, file_sequence: 1000 })).toEqual(['null:file_sequence']);
    expect(errors('fixed_width', { ...base, fisc_code: '8' })).toEqual(['null:fisc_code']);
    expect(errors('fixed_width', { ...base, batch_number: 'B'.repeat(21) })).toEqual(['null:batch_number']);
    expect(
      errors('fixed_width', { ...base, originator: { ...base.originator, company_name: '幸'.repeat(21) } }),
    ).toEqual(['null:originator.company_name']);
    expect(errors('tch_ach', { ...base, originator: { ...base.originator, bank_unit: '822090' } })).toEqual([
      'null:originator.bank_unit',
    ]);
    expect(errors('tch_ach', { ...base, originator: { ...base.originator, id_number: '04595258' } })).toEqual([
      'null:originator.id_number',
    ]);
    expect(errors('csv', { ...base, transactions: [] })).toEqual(['null:transactions']);
  });

  it('at most 5,000 transactions per file', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...base.transactions[0]!, transaction_id: `TX${i}` }));
    expect(errors('fixed_width', { ...base, transactions: many(5000) })).toEqual([]);
    expect(errors('fixed_width', { ...base, transactions: many(5001) })).toEqual(['null:transactions']);
  });

  it('errors are per transaction, so the good ones can be kept', () => {
    const good = { ...base.transactions[0]!, transaction_id: 'TX2' };
    const result = validatePaymentBatch('fixed_width', withTx({ id_number: 'A123456788' }, [good]), {
      encoding: 'Big5',
    });
    expect(result.errors.map((e) => e.transaction_id)).toEqual(['TX1']);
  });

  it('account numbers in error values are masked to the last 4', () => {
    const [error] = validatePaymentBatch('fixed_width', withTx({ account_number: '1234567890123456' }), {
      encoding: 'Big5',
    }).errors;
    expect(error!.value).toBe('************3456');
  });
});
