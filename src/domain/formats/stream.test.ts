/** The streaming reconciliation parser: flat memory, the source's own errors kept apart from parse errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatParseError, parseReconciliationFile, parseReconciliationStream } from './index.ts';

const golden = new Uint8Array(readFileSync('test/fixtures/formats/recon-fixed_width.golden'));
const options = { encoding: 'Big5' as const, fileName: 'REC_20261126.txt' };

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>, format: 'fixed_width' | 'tch_ach' | 'csv' = 'fixed_width') {
  const out = [];
  for await (const r of parseReconciliationStream(format, source, options)) out.push(r);
  return out;
}

describe('parseReconciliationStream', () => {
  it('gives the same records as the whole-buffer parser, whatever the chunk size (7 bytes cuts Big5 characters)', async () => {
    const whole = parseReconciliationFile('fixed_width', golden, options).records;
    for (const size of [1, 7, 199, 202, 4096]) expect(await collect(chunks(golden, size))).toEqual(whole);
  });

  it('reads a source that refills one Node Buffer for every chunk (the header and the carried line are copies)', async () => {
    async function* refilling(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
      const buffer = Buffer.alloc(size);
      for (let i = 0; i < bytes.length; i += size) {
        const n = buffer.set(bytes.subarray(i, i + size)) ?? Math.min(size, bytes.length - i);
        yield buffer.subarray(0, n);
      }
    }
    for (const format of ['fixed_width', 'tch_ach', 'csv'] as const) {
      const file = new Uint8Array(readFileSync(`test/fixtures/formats/recon-${format}.golden`));
      const opts = { ...options, encoding: format === 'csv' ? ('UTF-8' as const) : ('Big5' as const) };
      const whole = parseReconciliationFile(format, file, opts).records;
      for (const size of [7, 199, 202, 4096]) {
        const streamed = [];
        for await (const r of parseReconciliationStream(format, refilling(file, size), opts)) streamed.push(r);
        expect(streamed).toEqual(whole);
      }
    }
  });

  it('a failing source is not a bad file: its own error comes out, not a FormatParseError', async () => {
    const disk = new Error('EIO: i/o error, read');
    async function* failing() {
      yield golden.subarray(0, 202);
      throw disk;
    }
    await expect(collect(failing())).rejects.toBe(disk);
  });

  it('a parse error closes the source (the file being read is not left open)', async () => {
    let closed = false;
    const bad = new Uint8Array(golden);
    bad[202] = 0x58; // line 2 record type X
    async function* source() {
      try {
        yield* chunks(bad, 202);
      } finally {
        closed = true;
      }
    }
    await expect(collect(source())).rejects.toBeInstanceOf(FormatParseError);
    expect(closed).toBe(true);
  });

  it('a file without line endings is refused once a line passes 64 KiB, not buffered whole', async () => {
    async function* endless() {
      for (let i = 0; i < 1000; i++) yield new Uint8Array(1024).fill(0x44);
      throw new Error('read past the limit');
    }
    const error = await collect(endless()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatParseError);
    expect((error as FormatParseError).line).toBe(1);
  });
});
