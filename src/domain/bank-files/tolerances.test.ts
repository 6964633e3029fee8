/** The parsers' tolerances (formats.md): LF-only lines, no final line ending, a UTF-8 BOM, trimmed trailing spaces. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaymentFile, parseReconciliationFile, parseReconciliationStream } from './index.ts';

const dir = 'test/fixtures/formats';
const golden = (name: string) => readFileSync(`${dir}/${name}`);
const lfOnly = (b: Buffer) => Buffer.from(b.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
const trimmed = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/ +\r\n/g, '\r\n'), 'latin1');

describe('parser tolerances', () => {
  const expected = parseReconciliationFile('fixed_width', golden('recon-fixed_width.golden'), {
    encoding: 'Big5',
    fileName: 'x',
  });

  it.each([
    ['LF-only lines', lfOnly(golden('recon-fixed_width.golden'))],
    ['no final line ending', golden('recon-fixed_width.golden').subarray(0, -2)],
    ['trailing spaces trimmed', trimmed(golden('recon-fixed_width.golden'))],
    ['all of them', lfOnly(trimmed(golden('recon-fixed_width.golden'))).subarray(0, -1)],
  ])('fixed_width reconciliation with %s parses to the same records', (_what, bytes) => {
    expect(parseReconciliationFile('fixed_width', bytes, { encoding: 'Big5', fileName: 'x' })).toEqual(expected);
  });

  it('a UTF-8 BOM is accepted on a csv file', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), golden('recon-csv.golden')]);
    const plain = parseReconciliationFile('csv', golden('recon-csv.golden'), { encoding: 'UTF-8', fileName: 'x' });
    expect(parseReconciliationFile('csv', bytes, { encoding: 'UTF-8', fileName: 'x' })).toEqual(plain);
  });

  it('a payment file with trimmed trailing spaces and LF-only lines still checks its trailer', () => {
    const bytes = lfOnly(trimmed(golden('payment-fixed_width.golden')));
    expect(parsePaymentFile('fixed_width', bytes, { encoding: 'Big5', fileName: 'x' }).transactions).toHaveLength(2);
  });

  it('streams records from byte chunks of any size, the same as the whole-buffer parse', async () => {
    const bytes = golden('recon-tch_ach.golden');
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const streamed = [];
    for await (const r of parseReconciliationStream('tch_ach', chunks(), { encoding: 'Big5', fileName: 'x' }))
      streamed.push(r);
    expect(streamed).toEqual(parseReconciliationFile('tch_ach', bytes, { encoding: 'Big5', fileName: 'x' }).records);
  });
});
