import { describe, expect, it } from 'vitest';
import { maskAccount, maskSensitiveText } from './mask.ts';

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
