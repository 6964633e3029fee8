/**
 * Byte-level mutations of valid bank files, shared by the fuzz test (src/domain/formats/fuzz.test.ts) and the
 * script that grows the stored corpus (scripts/fuzz-corpus.ts), so both mutate files the same way.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FileFormat } from '../../src/domain/formats/types.ts';

export const FORMATS_FIXTURES = 'test/fixtures/formats';
export const FUZZ_CORPUS = `${FORMATS_FIXTURES}/fuzz-corpus`;

export interface Seed {
  format: FileFormat;
  kind: 'payment' | 'reconciliation';
  bytes: Uint8Array;
}

/** The six golden files (three formats, payment and reconciliation) that mutations start from. */
export function goldenSeeds(): Seed[] {
  return (['fixed_width', 'tch_ach', 'csv'] as const).flatMap((format) =>
    (['payment', 'reconciliation'] as const).map((kind) => ({
      format,
      kind,
      bytes: new Uint8Array(
        readFileSync(`${FORMATS_FIXTURES}/${kind === 'payment' ? 'payment' : 'recon'}-${format}.golden`),
      ),
    })),
  );
}

/** Bytes that mean something to one of the parsers: line ends, quotes, commas, digits, record types, Big5. */
const INTERESTING = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x30, 0x39, 0x44, 0x52, 0x54, 0x5c, 0x80, 0xa4, 0xef, 0xff];

export interface Mutation {
  op: 'set' | 'insert' | 'delete' | 'truncate';
  at: number;
  byte: number;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(255)),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.constantFrom(...INTERESTING) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

export function mutate(bytes: Uint8Array, ops: readonly Mutation[]): Uint8Array {
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

/** Corpus file names carry what they are: `<format>.<kind>.<n>.bin`. */
export function corpusEntry(name: string): { format: FileFormat; kind: 'payment' | 'reconciliation' } {
  const [format, kind] = name.split('.') as [FileFormat, 'payment' | 'reconciliation'];
  return { format, kind };
}
