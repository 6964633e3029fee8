import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsToDecimal, decimalToCents } from './money.ts';

describe('money', () => {
  it('writes two decimals', () => {
    expect(centsToDecimal(123450)).toBe('1234.50');
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal(0)).toBe('0.00');
  });
  it('reads exactly two decimals and nothing else', () => {
    expect(decimalToCents('1234.50')).toBe(123450);
    expect(decimalToCents('0.05')).toBe(5);
    for (const bad of ['1234.5', '1234', '-1.00', '1e3', '1,234.50', ' 1.00', '1.005', '99999999999999999.00'])
      expect(decimalToCents(bad)).toBeNull();
  });
  it('round-trips every cent amount', () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (c) => decimalToCents(centsToDecimal(c)) === c));
  });
});
