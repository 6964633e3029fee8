import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, ConfigError, loadConfig, parseConfig } from './load.ts';

const shipped = JSON.parse(readFileSync('config/banking.json', 'utf8')) as Record<string, unknown> & {
  banks: Array<Record<string, unknown>>;
};

function withBank(index: number, change: (bank: Record<string, unknown>) => void) {
  const copy = structuredClone(shipped);
  change(copy.banks[index]!);
  return copy;
}

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

const REQUIRED_BANK_FIELDS = [
  'bank_code',
  'bank_name',
  'fisc_code',
  'sftp_host',
  'sftp_port',
  'sftp_username',
  'auth',
  'upload_path',
  'download_path',
  'file_format',
  'encoding',
  'payment_file_pattern',
  'reconciliation_file_pattern',
  'cutoff_time',
  'pgp',
  'originator_account',
];

describe('config', () => {
  it('the shipped config describes the five banks of docs/banks.md', () => {
    const config = loadConfig('config/banking.json', {});
    expect(config.banks.map((b) => [b.bank_code, b.fisc_code, b.file_format, b.encoding, b.cutoff_time])).toEqual([
      ['mega', '017', 'fixed_width', 'Big5', '15:30'],
      ['ctbc', '822', 'fixed_width', 'Big5', '15:30'],
      ['esun', '808', 'csv', 'UTF-8', '15:00'],
      ['first', '007', 'fixed_width', 'Big5', '15:30'],
      ['taishin', '812', 'fixed_width', 'Big5', '15:00'],
    ]);
    expect(config.service.port).toBe(8000);
    expect(config.database.url).toBeUndefined();
  });

  it.each(REQUIRED_BANK_FIELDS)('a bank missing %s is refused naming the bank and the field', (field) => {
    const problems = problemsOf(withBank(1, (bank) => delete bank[field]));
    const label = field === 'bank_code' ? 'bank #2' : 'bank ctbc';
    expect(
      problems.some((p) => p.startsWith(`${label}: field ${field}`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it.each([
    ['fisc_code', '82'],
    ['sftp_port', '22'],
    ['sftp_port', 70000],
    ['file_format', 'xml'],
    ['encoding', 'Shift_JIS'],
    ['cutoff_time', '25:00'],
    ['upload_path', 'relative/path'],
    ['payment_file_pattern', 'PAY_{YYYYMMDD}.txt'],
    ['host_key_sha256', 'md5:aa:bb'],
  ])('a bank with a wrong %s (%j) is refused naming the bank and the field', (field, value) => {
    const problems = problemsOf(withBank(0, (bank) => (bank[field] = value)));
    expect(
      problems.some((p) => p.startsWith(`bank mega: field ${field}`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('names the nested field inside auth and pgp', () => {
    const problems = problemsOf(
      withBank(2, (bank) => {
        bank.auth = { method: 'password' };
        bank.pgp = { engine: 'pgp2' };
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bank esun: field auth\.password_secret/),
        expect.stringMatching(/^bank esun: field pgp\.engine/),
        expect.stringMatching(/^bank esun: field pgp\.bank_public_key_secret/),
      ]),
    );
  });

  it('refuses a real bank without a pinned host key unless it opts into accepting any', () => {
    const unpinned = withBank(3, (bank) => (bank.sandbox = false));
    expect(problemsOf(unpinned)).toEqual([expect.stringMatching(/^bank first: field host_key_sha256: required/)]);
    const optedIn = withBank(3, (bank) => {
      bank.sandbox = false;
      bank.insecure_accept_any_host_key = true;
    });
    expect(parseConfig(optedIn).banks[3]!.insecure_accept_any_host_key).toBe(true);
  });

  it('refuses an unknown field, so a typo is not silently ignored', () => {
    const problems = problemsOf(withBank(4, (bank) => (bank.cutof_time = '15:00')));
    expect(problems[0]).toMatch(/^bank taishin: field \(root\): Unrecognized key.*cutof_time/);
  });

  it('refuses two banks with the same bank_code', () => {
    const copy = structuredClone(shipped);
    copy.banks[1]!.bank_code = 'mega';
    expect(problemsOf(copy)).toEqual(['bank mega: field bank_code: duplicate bank_code']);
  });

  it('environment overrides the file', () => {
    const raw = applyEnvOverrides(shipped, {
      PORT: '9100',
      DATABASE_URL: 'postgres://u:p@db.example:5432/banking',
      BANKING_DATA_DIR: '/var/lib/banking',
    });
    const config = parseConfig(raw);
    expect(config.service.port).toBe(9100);
    expect(config.database.url).toBe('postgres://u:p@db.example:5432/banking');
    expect(config.data_dir).toBe('/var/lib/banking');
  });

  it('a missing or unparseable file is a ConfigError naming the file', () => {
    expect(() => loadConfig('/nonexistent/banking.json', {})).toThrow(/\/nonexistent\/banking\.json: cannot read/);
  });
});
