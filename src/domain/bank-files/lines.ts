/**
 * Splits a fixed-width file into records, with the spec's tolerances: LF-only lines, a missing final line
 * ending, a UTF-8 BOM, trailing spaces trimmed off a record (re-padded before slicing). Splitting on LF bytes is
 * safe in Big5: neither CR nor LF can be a trail byte (trail bytes are 0x40–0x7E and 0xA1–0xFE).
 */
import { FormatParseError } from './errors.ts';

export interface RawLine {
  line: number;
  bytes: Uint8Array;
}

function stripBom(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

function padTo(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return bytes;
  const out = new Uint8Array(length).fill(0x20);
  out.set(bytes);
  return out;
}

/** One line's content without CR/LF, checked and re-padded to the record length. */
export function normaliseLine(raw: Uint8Array, line: number, length: number, file: string): Uint8Array {
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0d) end--;
  const content = raw.subarray(0, end);
  if (content.length > length) {
    throw new FormatParseError(
      file,
      line,
      null,
      null,
      null,
      null,
      `record is ${content.length} bytes, expected ${length}`,
    );
  }
  return padTo(content, length);
}

/** Streams lines (without their endings) out of byte chunks. */
export async function* splitLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<RawLine> {
  let carry: Uint8Array = new Uint8Array(0);
  let line = 0;
  let first = true;
  for await (let chunk of source) {
    if (first && chunk.length > 0) {
      first = false;
      if (carry.length === 0) chunk = stripBom(chunk);
    }
    let data = chunk;
    if (carry.length > 0) {
      data = new Uint8Array(carry.length + chunk.length);
      data.set(carry);
      data.set(chunk, carry.length);
    }
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0x0a) {
        line++;
        yield { line, bytes: data.slice(start, i) };
        start = i + 1;
      }
    }
    carry = data.slice(start);
  }
  if (carry.length > 0 && !(carry.length === 1 && carry[0] === 0x0d)) {
    line++;
    yield { line, bytes: carry };
  }
}

export function splitLinesSync(bytes: Uint8Array): RawLine[] {
  const data = stripBom(bytes);
  const out: RawLine[] = [];
  let start = 0;
  let line = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      out.push({ line: ++line, bytes: data.subarray(start, i) });
      start = i + 1;
    }
  }
  if (start < data.length && !(data.length - start === 1 && data[start] === 0x0d)) {
    out.push({ line: ++line, bytes: data.subarray(start) });
  }
  return out;
}

export async function* fromBytes(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
