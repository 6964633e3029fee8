/** The `banking-sftp ach` commands against the fixtures: exit codes and JSON shapes of docs/cli.md. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = 'test/fixtures/formats';
const scratch = mkdtempSync(join(tmpdir(), 'ach-cli-'));

function ach(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ach', ...args], { encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

describe('banking-sftp ach', () => {
  it('generate writes the file and exits 0', () => {
    const out = join(scratch, 'pay.txt');
    const r = ach('generate', '--format', 'fixed_width', '--input', `${dir}/batch-ctbc.json`, '--output', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(`${dir}/payment-fixed_width.golden`))).toBe(true);
  });

  it('generate to stdout, with a truncation warning on stderr that does not change the exit code', () => {
    const batch = JSON.parse(readFileSync(`${dir}/batch-ctbc.json`, 'utf8'));
    batch.transactions[0].account_holder = '恒'.repeat(16);
    writeFileSync(join(scratch, 'long.json'), JSON.stringify(batch));
    const r = ach('generate', '--format', 'fixed_width', '--input', join(scratch, 'long.json'));
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(4 * 202);
    expect(JSON.parse(r.stderr)).toEqual({
      warnings: [{ transaction_id: 'TX20261126000001', field: 'account_holder', message: 'truncated' }],
    });
  });

  it('generate refuses an invalid batch with the errors JSON, exit 2, and writes nothing', () => {
    const batch = JSON.parse(readFileSync(`${dir}/batch-ctbc.json`, 'utf8'));
    batch.transactions[1].id_number = 'A123456788';
    writeFileSync(join(scratch, 'bad.json'), JSON.stringify(batch));
    const out = join(scratch, 'never.txt');
    const r = ach('generate', '--format', 'csv', '--input', join(scratch, 'bad.json'), '--output', out);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stderr);
    expect(body.errors).toEqual([
      { transaction_id: 'TX20261126000002', field: 'id_number', message: expect.stringContaining('not a valid') },
    ]);
    expect(() => readFileSync(out)).toThrow();
  });

  it.each(['fixed_width', 'tch_ach', 'csv'])('parse --kind reconciliation prints the %s document', (format) => {
    const r = ach('parse', '--format', format, '--kind', 'reconciliation', '--input', `${dir}/recon-${format}.golden`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8'))).toEqual(
      JSON.parse(readFileSync(`${dir}/recon-${format}.parsed.json`, 'utf8')),
    );
  });

  it.each(['fixed_width', 'tch_ach', 'csv'])('parse --kind payment prints the %s batch.json', (format) => {
    const r = ach('parse', '--format', format, '--kind', 'payment', '--input', `${dir}/payment-${format}.golden`);
    expect(r.code).toBe(0);
    const expected = JSON.parse(readFileSync(`${dir}/payment-${format}.parsed.json`, 'utf8'));
    // an ACHP01 file carries no value date (TDATE is created_at's day), so parse leaves it out
    if (format === 'tch_ach') delete expected.value_date;
    expect(JSON.parse(r.stdout.toString('utf8'))).toEqual(expected);
  });

  it('wrong usage exits 2', () => {
    expect(ach('parse', '--format', 'xml', '--kind', 'payment', '--input', 'x').code).toBe(2);
    expect(ach('parse', '--format', 'csv', '--input', `${dir}/payment-csv.golden`).code).toBe(2);
  });

  it('parse and validate name file, line, record type, field, position and value on a bad file (exit 2)', () => {
    const bytes = Buffer.from(readFileSync(`${dir}/payment-fixed_width.golden`));
    bytes.write('X', 202 + 45); // inside the account number (bytes 37-50) of line 2
    const bad = join(scratch, 'bad.txt');
    writeFileSync(bad, bytes);
    for (const sub of ['parse', 'validate']) {
      const r = ach(sub, '--format', 'fixed_width', '--kind', 'payment', '--input', bad);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stderr)).toEqual({
        error: {
          file: bad,
          line: 2,
          record_type: 'D',
          field: 'account_number',
          position: '37-50',
          value: expect.stringContaining('X'),
          message: 'expected digits',
        },
      });
    }
  });

  it('validate exits 0 for a good file and 2 when the trailer total does not match', () => {
    expect(
      ach('validate', '--format', 'tch_ach', '--kind', 'payment', '--input', `${dir}/payment-tch_ach.golden`).code,
    ).toBe(0);
    const bytes = Buffer.from(readFileSync(`${dir}/payment-fixed_width.golden`));
    bytes.write('9', 3 * 202 + 21); // last digit of the trailer total
    const bad = join(scratch, 'total.txt');
    writeFileSync(bad, bytes);
    const r = ach('validate', '--format', 'fixed_width', '--kind', 'payment', '--input', bad);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error).toMatchObject({
      line: 4,
      record_type: 'T',
      field: 'total_amount',
      position: '8-22',
    });
  });

  it('validate streams a reconciliation file: 0 for the golden files, 2 naming line, record and field on a bad one', () => {
    for (const format of ['fixed_width', 'tch_ach', 'csv']) {
      const golden = `${dir}/recon-${format}.golden`;
      expect(ach('validate', '--format', format, '--kind', 'reconciliation', '--input', golden).code).toBe(0);
    }
    const bytes = Buffer.from(readFileSync(`${dir}/recon-fixed_width.golden`));
    bytes.write('X', 202 + 45); // inside the amount of line 2, a return record R
    const bad = join(scratch, 'recon-bad.txt');
    writeFileSync(bad, bytes);
    const r = ach('validate', '--format', 'fixed_width', '--kind', 'reconciliation', '--input', bad);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error).toMatchObject({
      file: bad,
      line: 2,
      record_type: 'R',
      message: 'expected digits',
    });
  });

  it('a 160-byte legacy ACH file gets the legacy-layout error', () => {
    const legacy = join(scratch, 'legacy.txt');
    writeFileSync(legacy, `${'BOFACHP0101151126060000822090199902501'.padEnd(160, ' ')}\r\n`);
    const r = ach('validate', '--format', 'tch_ach', '--kind', 'payment', '--input', legacy);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.message).toMatch(/legacy ACH layout not supported/);
  });
});
