import { describe, expect, it } from 'vitest';
import { allInRange, hasSeparator, isDigits } from './chars.ts';
import { normaliseTransaction } from './normalise.ts';
import type { PaymentTransaction } from './types.ts';

describe('character checks agree with the regular expressions they replace', () => {
  const samples = [
    '',
    '0',
    '123',
    '1234',
    '12a4',
    '１２３',
    ' 123',
    '123 ',
    '00770012345678',
    '-',
    'A123456789',
    '\u3000',
  ];

  it.each(samples)('isDigits(%j) is /^\\d{1,14}$/ and /^\\d{3}$/', (s) => {
    expect(isDigits(s, 1, 14)).toBe(/^\d{1,14}$/.test(s));
    expect(isDigits(s, 3, 3)).toBe(/^\d{3}$/.test(s));
  });

  it.each([...samples, '0170-077', 'a\tb', 'a\u00a0b', 'a\u3000b', 'a\u2028b', '王小明'])(
    'hasSeparator(%j) is /[-\\s]/',
    (s) => {
      expect(hasSeparator(s)).toBe(/[-\s]/.test(s));
    },
  );

  it('allInRange is printable ASCII for 0x20-0x7E', () => {
    for (const s of ['abc ~', 'a\x7f', 'a\x1f', '王', ''])
      expect(allInRange(s, 0x20, 0x7e)).toBe(/^[\x20-\x7e]*$/.test(s));
  });

  it('isDigits refuses a non-string', () => {
    expect(isDigits(123, 1, 3)).toBe(false);
  });
});

describe('normaliseTransaction', () => {
  const tx: PaymentTransaction = {
    transaction_id: 'TX1',
    direction: 'credit',
    fisc_code: '822',
    branch_code: '0901',
    account_number: '00770012345678',
    account_holder: '王小明',
    amount_cents: 100,
    id_number: 'A123456789',
  };

  it('hands back the same object when nothing needs normalising', () => {
    expect(normaliseTransaction(tx)).toBe(tx);
  });

  it('copies, and leaves the input alone, when a field changes', () => {
    const input = { ...tx, account_number: '0077-0012 345678', id_number: 'Ａ123456789' };
    const out = normaliseTransaction(input);
    expect(out).not.toBe(input);
    expect(out).toMatchObject({ account_number: '00770012345678', id_number: 'A123456789' });
    expect(input.account_number).toBe('0077-0012 345678');
  });
});
