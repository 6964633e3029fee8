/**
 * Invalid files kept as fixtures, each with the error it must give (test/fixtures/formats/invalid/cases.json):
 * an operator reading the error must be able to find the line, record, field and bytes without opening the file
 * in a hex editor. Every fixture in the folder must have a case, so a new one cannot be added without its error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatParseError, parsePaymentFile, parseReconciliationFile } from './index.ts';
import type { FileFormat } from './types.ts';

const dir = 'test/fixtures/formats/invalid';

interface Case {
  file: string;
  format: FileFormat;
  kind: 'payment' | 'reconciliation';
  fault: string;
  error: Record<string, string | number | null>;
  says: string;
}

const { cases } = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) as { cases: Case[] };

function parse(c: Case) {
  const bytes = new Uint8Array(readFileSync(`${dir}/${c.file}`));
  const options = { fileName: c.file, encoding: c.format === 'csv' ? ('UTF-8' as const) : ('Big5' as const) };
  return c.kind === 'payment'
    ? parsePaymentFile(c.format, bytes, options)
    : parseReconciliationFile(c.format, bytes, options);
}

describe('invalid files', () => {
  it('every fixture in the folder has its expected error', () => {
    const files = readdirSync(dir).filter((n) => n !== 'cases.json');
    expect(files.sort()).toEqual(cases.map((c) => c.file).sort());
  });

  it.each(cases.map((c) => [c.fault, c] as const))('%s', (_fault, c) => {
    let thrown: unknown;
    try {
      parse(c);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FormatParseError);
    const error = thrown as FormatParseError;
    expect(error.toJSON()).toMatchObject({ file: c.file, ...c.error });
    expect(error.reason).toContain(c.says);
  });
});
