/**
 * Fuzz: mutated valid files (byte flips, insertions, deletions, truncations) must either parse or throw
 * FormatParseError, never anything else, and never hang. Two parts: the stored corpus in
 * test/fixtures/formats/fuzz-corpus (inputs that each reached a different error, kept so a regression there is
 * caught on every run; `npx tsx scripts/fuzz-corpus.ts` grows it), then 12,000 fresh cases from a fixed seed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusEntry, FUZZ_CORPUS, goldenSeeds, mutate, mutation } from '../../../test/support/format-mutations.ts';
import { FormatParseError, parsePaymentFile, parseReconciliationFile } from './index.ts';
import type { FileFormat } from './types.ts';

/** Parses, or returns the parser's own error; anything else (a TypeError, a RangeError) fails the test. */
function parseOrRefuse(
  format: FileFormat,
  kind: 'payment' | 'reconciliation',
  input: Uint8Array,
  utf8: boolean,
): FormatParseError | null {
  const options = { encoding: utf8 ? ('UTF-8' as const) : ('Big5' as const), fileName: 'fuzz' };
  try {
    if (kind === 'payment') parsePaymentFile(format, input, options);
    else parseReconciliationFile(format, input, options);
    return null;
  } catch (error) {
    if (!(error instanceof FormatParseError)) throw error;
    // the parsers' own errors, not an unexpected exception caught by the last-resort safety net
    expect(error.reason).not.toMatch(/^unreadable file/);
    return error;
  }
}

describe('fuzz corpus: stored inputs still parse or are refused with a FormatParseError', () => {
  const names = readdirSync(FUZZ_CORPUS).filter((n) => n.endsWith('.bin'));
  it('holds inputs for every format and kind', () => {
    const kinds = new Set(names.map((n) => n.split('.').slice(0, 2).join('.')));
    expect(kinds.size).toBe(6);
  });
  it.each(names)('%s', (name) => {
    const { format, kind } = corpusEntry(name);
    const input = new Uint8Array(readFileSync(`${FUZZ_CORPUS}/${name}`));
    parseOrRefuse(format, kind, input, false);
    parseOrRefuse(format, kind, input, true);
  });
});

describe('fuzz: parsers throw only FormatParseError', () => {
  it.each(goldenSeeds())('$format $kind: 2,000 mutated files', ({ format, kind, bytes }) => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (ops, utf8) => {
        if (parseOrRefuse(format, kind, mutate(bytes, ops), utf8)) rejected++;
      }),
      { numRuns: 2000, seed: 20261126 },
    );
    expect(rejected).toBeGreaterThan(0);
  });
});
