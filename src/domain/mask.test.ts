import { describe, expect, it } from 'vitest';
import { maskAccount, maskFields, maskSensitiveText } from './mask.ts';

describe('maskAccount', () => {
  it('keeps only the last four digits', () => {
    expect(maskAccount('123456789012')).toBe('********9012');
    expect(maskAccount('123')).toBe('123');
    expect(maskAccount(null)).toBe('');
  });
});

describe('maskSensitiveText', () => {
  it('masks account numbers and national IDs inside messages', () => {
    const out = maskSensitiveText('pay A123456789 from account 09010001234567 amount 1500');
    expect(out).not.toContain('A123456789');
    expect(out).not.toContain('09010001234567');
    expect(out).toContain('6789');
    expect(out).toContain('4567');
    expect(out).toContain('amount 1500');
  });
});

describe('maskSensitiveText and digests', () => {
  it('leaves SHA-256 digests and trace ids whole', () => {
    const sha = '57061be486ec6ff2d5f936086849cc7657061be486ec6ff2d5f936086849cc76';
    expect(maskSensitiveText(`file sha256 ${sha}`)).toBe(`file sha256 ${sha}`);
  });
});

describe('identifiers the system makes stay readable, whatever the bank code ends in', () => {
  it.each([
    'ESUN202612080001',
    'CTBC202612080001',
    'TAISHIN202612080003',
    'REC_ESUN_20261208_0002.txt',
    'PAY_20261208_0001.txt',
    '.PAY_20261208_0001.txt.part',
    'TX202612080000012345',
    'INV-20261208-CTBC-12000',
    '5c1d0e2a-1234-5678-9012-987654321098',
  ])('%s', (id) => {
    expect(maskSensitiveText(`see ${id} for account 09010001234567`)).toBe(`see ${id} for account **********4567`);
  });

  it('masks an account glued to letters, grouped digits and a lower-case ID, not a yyyymmdd date', () => {
    expect(maskSensitiveText('acct:x09010001234567')).toBe('acct:x**********4567');
    expect(maskSensitiveText('to 0123-4567-8901')).toBe('to ********8901');
    expect(maskSensitiveText('id a123456789')).toBe('id ******6789');
    expect(maskSensitiveText('value date 20261208')).toBe('value date 20261208');
  });
});

describe('maskFields', () => {
  it('masks by field name first (even short or numeric values), keeps our identifier fields', () => {
    expect(
      maskFields({
        account_number: '1234-5678',
        id_number: 'A123456789',
        batch_number: 'ESUN202612080001',
        file_name: 'PAY_20261208_0001.txt',
        errors: [{ field: 'cno', message: 'account 09010001234567 closed' }],
      }),
    ).toEqual({
      account_number: '****5678',
      id_number: '******6789',
      batch_number: 'ESUN202612080001',
      file_name: 'PAY_20261208_0001.txt',
      errors: [{ field: 'cno', message: 'account **********4567 closed' }],
    });
  });
});
