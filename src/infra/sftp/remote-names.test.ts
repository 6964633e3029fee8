import { describe, expect, it } from 'vitest';
import { patternRegExp, renderFileName, untrustedNameReason } from './remote-names.ts';

describe('remote names', () => {
  it('renders payment names from the bank pattern', () => {
    expect(renderFileName('PAY_{YYYYMMDD}_{BATCH}.txt', { date: '2026-11-25', batch: 7 })).toBe(
      'PAY_20261125_0007.txt',
    );
    expect(() => renderFileName('PAY_{YYYYMMDD}_{BATCH}.txt', { date: '2026-11-25', batch: 10_000 })).toThrow();
  });

  it('matches reconciliation names for the value date only, with * as any characters', () => {
    const re = patternRegExp('REC_{YYYYMMDD}*.txt', { date: '2026-11-25' });
    expect(re.test('REC_20261125.txt')).toBe(true);
    expect(re.test('REC_20261125_02.txt')).toBe(true);
    expect(re.test('REC_20261124_02.txt')).toBe(false);
    expect(re.test('REC_20261125_02.txt.bak')).toBe(false);
    expect(re.test('XREC_20261125.txt')).toBe(false);
    expect(patternRegExp('REC_{YYYYMMDD}*.txt').test('REC_20270101_x.txt')).toBe(true);
    // the dot in the pattern is literal
    expect(patternRegExp('REC_{YYYYMMDD}.txt').test('REC_20261125Xtxt')).toBe(false);
  });

  it('rejects names that could leave the directory or fool a terminal', () => {
    expect(untrustedNameReason('REC_20261125.txt')).toBeUndefined();
    expect(untrustedNameReason('a/b')).toBe('contains a path separator');
    expect(untrustedNameReason('a\\b')).toBe('contains a path separator');
    expect(untrustedNameReason('..')).toBe('contains ..');
    expect(untrustedNameReason('REC..txt')).toBe('contains ..');
    expect(untrustedNameReason('REC\0.txt')).toBe('contains NUL');
    expect(untrustedNameReason('REC\r.txt')).toBe('contains a control character');
    expect(untrustedNameReason('REC\u009b.txt')).toBe('contains a control character');
    expect(untrustedNameReason('')).toBe('is empty');
    // the limit counts UTF-8 bytes: 66 CJK characters are 198 bytes, 67 are 201
    expect(untrustedNameReason(`R${'許'.repeat(66)}.`)).toBeUndefined();
    expect(untrustedNameReason(`R${'許'.repeat(67)}`)).toBe('is longer than 200 bytes');
  });

  it('rejects names with bidirectional or invisible characters, and keeps CJK and full-width names', () => {
    for (const code of [0x202e, 0x202a, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const name = `REC_20261125${String.fromCodePoint(code)}_01.txt`;
      expect(untrustedNameReason(name)).toBe(
        `contains an invisible or bidirectional control character (U+${code.toString(16).toUpperCase()})`,
      );
    }
    for (const name of ['PAY\u202Etxt.exe', '\ufeffREC.txt', 'REC\u2060.txt', 'REC\u00ad.txt', 'REC\u061c.txt']) {
      expect(untrustedNameReason(name)).toMatch(/^contains an invisible or bidirectional control character/);
    }
    expect(untrustedNameReason('對帳_20261125.txt')).toBeUndefined();
    expect(untrustedNameReason('ＲＥＣ－20261125.txt')).toBeUndefined();
    expect(untrustedNameReason('REC 20261125 (1).txt')).toBeUndefined();
  });
});
