/**
 * Fuzz: mutated valid files (byte flips, insertions, deletions, truncations, line swaps) must either parse or
 * throw FormatParseError, never anything else, and never hang. 12,000 cases, deterministic seed, ~1 s.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatParseError, parsePaymentFile, parseReconciliationFile } from './index.ts';

const dir = 'test/fixtures/formats';
const seeds: Array<{
  format: 'fixed_width' | 'tch_ach' | 'csv';
  kind: 'payment' | 'reconciliation';
  bytes: Uint8Array;
}> = (['fixed_width', 'tch_ach', 'csv'] as const).flatMap((format) =>
  (['payment', 'reconciliation'] as const).map((kind) => ({
    format,
    kind,
    bytes: new Uint8Array(readFileSync(`${dir}/${kind === 'payment' ? 'payment' : 'recon'}-${format}.golden`)),
  })),
);

const INTERESTING = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x30, 0x39, 0x44, 0x52, 0x54, 0x5c, 0x80, 0xa4, 0xef, 0xff];

const mutation = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(255)),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.constantFrom(...INTERESTING) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

function mutate(bytes: Uint8Array, ops: Array<{ op: string; at: number; byte: number }>): Uint8Array {
  let b = Array.from(bytes);
  for (const { op, at, byte } of ops) {
    const i = b.length === 0 ? 0 : at % b.length;
    if (op === 'set') b[i] = byte;
    else if (op === 'insert') b.splice(i, 0, byte);
    else if (op === 'delete') b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return new Uint8Array(b);
}

describe('fuzz: parsers throw only FormatParseError', () => {
  it.each(seeds)('$format $kind: 2,000 mutated files', ({ format, kind, bytes }) => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (ops, utf8) => {
        const input = mutate(bytes, ops);
        const options = { encoding: utf8 ? ('UTF-8' as const) : ('Big5' as const), fileName: 'fuzz' };
        try {
          if (kind === 'payment') parsePaymentFile(format, input, options);
          else parseReconciliationFile(format, input, options);
        } catch (error) {
          if (!(error instanceof FormatParseError)) throw error;
          // the parsers' own errors, not an unexpected exception caught by the last-resort safety net
          expect(error.reason).not.toMatch(/^unreadable file/);
          rejected++;
        }
      }),
      { numRuns: 2000, seed: 20261126 },
    );
    expect(rejected).toBeGreaterThan(0);
  });
});
