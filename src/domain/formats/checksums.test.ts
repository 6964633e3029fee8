import { describe, expect, it } from 'vitest';
import { isValidTaiwanId, isValidUnifiedBusinessNumber } from './index.ts';

describe('national ID / resident certificate checksum', () => {
  it('accepts the spec examples and refuses a wrong check digit', () => {
    expect(isValidTaiwanId('A123456789')).toBe(true);
    expect(isValidTaiwanId('A800000014')).toBe(true);
    expect(isValidTaiwanId('A123456788')).toBe(false);
    expect(isValidTaiwanId('A800000015')).toBe(false);
  });
  it('old resident format: the second letter counts as its value mod 10', () => {
    // A + C: 1 + 0·9 + (12 mod 10)·8 + 0… + d10 -> sum = 1 + 16 + d10 (+ zeros): d10 = 3
    expect(isValidTaiwanId('AC00000003')).toBe(true);
    expect(isValidTaiwanId('AC00000004')).toBe(false);
  });
  it('refuses other shapes', () => {
    for (const id of ['a123456789', 'A323456789', 'A12345678', 'AE00000000', '1234567890']) {
      expect(isValidTaiwanId(id)).toBe(false);
    }
  });
});

describe('unified business number checksum', () => {
  it('04595257 is valid', () => expect(isValidUnifiedBusinessNumber('04595257')).toBe(true));
  it('04595252 is valid only under the new (divisible by 5) rule', () => {
    expect(isValidUnifiedBusinessNumber('04595252')).toBe(true);
  });
  it('12345675 (sum 39) is valid only through the 7th-digit rule', () => {
    expect(isValidUnifiedBusinessNumber('12345675')).toBe(true);
    expect(isValidUnifiedBusinessNumber('12345672')).toBe(false); // 7th digit 7 but neither sum 36 nor 37 /5
    expect(isValidUnifiedBusinessNumber('12345685')).toBe(false); // 7th digit 8: no second chance
  });
  it('refuses non-8-digit input', () => {
    expect(isValidUnifiedBusinessNumber('0459525')).toBe(false);
    expect(isValidUnifiedBusinessNumber('0459525A')).toBe(false);
  });
});
