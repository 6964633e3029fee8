/**
 * Grows the stored fuzz corpus of the file parsers (test/fixtures/formats/fuzz-corpus): mutates the golden files
 * and keeps one input for each distinct outcome (parsed, or refused at a given record type and field), so the
 * corpus covers many parser paths with few files. Existing entries are kept; run it after a parser change and
 * commit what it adds.
 *
 *   npx tsx scripts/fuzz-corpus.ts [runs-per-seed=20000] [seed=1]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { FormatParseError, parsePaymentFile, parseReconciliationFile } from '../src/domain/formats/index.ts';
import { corpusEntry, FUZZ_CORPUS, goldenSeeds, mutate, mutation } from '../test/support/format-mutations.ts';

const runs = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 1);

function outcome(format: string, kind: string, input: Uint8Array): string {
  const options = { encoding: format === 'csv' ? ('UTF-8' as const) : ('Big5' as const), fileName: 'fuzz' };
  try {
    if (kind === 'payment') parsePaymentFile(format as never, input, options);
    else parseReconciliationFile(format as never, input, options);
    return 'parsed';
  } catch (error) {
    if (!(error instanceof FormatParseError)) return `crash ${(error as Error).name}`;
    // digits vary with the mutation (counts, positions), and a bad record type is the mutated byte itself: the
    // record (where it is known), the field and the wording name the parser path
    const record = error.field === 'record_type' ? '' : error.record_type;
    return `${record} ${error.field} ${error.reason.replace(/\d+/g, 'N')}`;
  }
}

mkdirSync(FUZZ_CORPUS, { recursive: true });
const seen = new Set<string>();
const existing = readdirSync(FUZZ_CORPUS).filter((n) => n.endsWith('.bin'));
for (const name of existing) {
  const { format, kind } = corpusEntry(name);
  seen.add(`${format}.${kind} ${outcome(format, kind, new Uint8Array(readFileSync(`${FUZZ_CORPUS}/${name}`)))}`);
}

let added = 0;
for (const { format, kind, bytes } of goldenSeeds()) {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ops) => {
      const input = mutate(bytes, ops);
      const key = `${format}.${kind} ${outcome(format, kind, input)}`;
      if (seen.has(key)) return;
      seen.add(key);
      let n = 0;
      while (existsSync(`${FUZZ_CORPUS}/${format}.${kind}.${n}.bin`)) n++;
      writeFileSync(`${FUZZ_CORPUS}/${format}.${kind}.${n}.bin`, input);
      added++;
      if (key.includes(' crash ')) process.stdout.write(`crash: ${format}.${kind}.${n}.bin\n`);
    }),
    { numRuns: runs, seed },
  );
}
process.stdout.write(`fuzz corpus: ${added} added, ${seen.size} outcomes in all\n`);
