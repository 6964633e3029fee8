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

describe('maskSensitiveText and digests', () => {
  it('leaves SHA-256 digests and trace ids whole', () => {
    const sha = '57061be486ec6ff2d5f936086849cc7657061be486ec6ff2d5f936086849cc76';
    expect(maskSensitiveText(`file sha256 ${sha}`)).toBe(`file sha256 ${sha}`);
  });
});
