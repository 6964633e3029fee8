/**
 * Splits a fixed-width file into records, with the spec's tolerances: LF-only lines, a missing final line
 * ending, a UTF-8 BOM, trailing spaces trimmed off a record (re-padded before slicing). Splitting on LF bytes is
 * safe in Big5 and UTF-8: neither CR nor LF can be a trail byte (Big5 trail bytes are 0x40–0x7E and 0xA1–0xFE).
 */
import { FormatParseError } from './errors.ts';

export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** The line without LF (a CR before it is still there). */
  bytes: Uint8Array;
  /**
   * The whole source buffer decoded one character per byte, and where this line starts in it: record readers
   * slice ASCII fields out of it instead of decoding every record on its own.
   */
  text: string | null;
  start: number;
}

/**
 * One character per byte (windows-1252, which WHATWG calls latin1): only ASCII ranges are ever sliced from it,
 * and one native decoding of a whole buffer is far cheaper than building field strings in JavaScript.
 */
const BYTE_TEXT = new TextDecoder('latin1');

/**
 * Node's Buffer decodes latin1 to a one-byte string, 3x faster than TextDecoder and without turning the whole
 * text (and every field sliced from it) into two-byte strings when a Big5 byte maps above U+00FF in windows-1252.
 * Feature-detected, not imported: this module stays pure and runs where there is no Buffer (Deno).
 */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(
        buffer: ArrayBufferLike,
        offset: number,
        length: number,
      ): { toString(encoding: 'latin1'): string; indexOf(value: number, from: number): number };
    };
  }
).Buffer;

/** Something to find LFs in: a Buffer view of the same memory (memchr, ~4x Uint8Array#indexOf) where there is one. */
function searchable(bytes: Uint8Array): { indexOf(value: number, from: number): number } {
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
}

export function byteText(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return BYTE_TEXT.decode(bytes);
}

function bomLength(bytes: Uint8Array): number {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** The record bytes of a line: CR dropped, checked against the record length, re-padded with spaces. */
export function recordOf(raw: RawLine, length: number, file: string): Uint8Array {
  let end = raw.bytes.length;
  if (end > 0 && raw.bytes[end - 1] === 0x0d) end--;
  if (end === 0) throw new FormatParseError({ file, line: raw.line, message: 'empty line' });
  if (end > length) {
    throw new FormatParseError({ file, line: raw.line, message: `record is ${end} bytes, expected ${length}` });
  }
  // a CR left at the end is harmless: readers only look at the record's own positions
  if (end === length) return raw.bytes;
  const out = new Uint8Array(length).fill(0x20);
  out.set(raw.bytes.subarray(0, end));
  return out;
}

/** Longest line the streaming splitter buffers; records are 200 or 250 bytes. */
export const MAX_LINE = 64 * 1024;

/** Calls `onLine` for every line of a whole file (no copy; the RawLine object is reused between calls). */
export function forEachLine(bytes: Uint8Array, onLine: (line: RawLine) => void): void {
  let start = bomLength(bytes);
  const raw: RawLine = { line: 0, bytes, text: byteText(bytes), start: 0 };
  const lines = searchable(bytes);
  for (let lf = lines.indexOf(0x0a, start); lf >= 0; lf = lines.indexOf(0x0a, start)) {
    raw.line++;
    raw.bytes = bytes.subarray(start, lf);
    raw.start = start;
    onLine(raw);
    start = lf + 1;
  }
  if (start < bytes.length) {
    raw.line++;
    raw.bytes = bytes.subarray(start);
    raw.start = start;
    onLine(raw);
  }
}

/** Lines of a whole file (no copy). */
export function* splitLines(bytes: Uint8Array): Generator<RawLine> {
  let start = bomLength(bytes);
  let line = 0;
  for (let lf = bytes.indexOf(0x0a, start); lf >= 0; lf = bytes.indexOf(0x0a, start)) {
    yield { line: ++line, bytes: bytes.subarray(start, lf), text: null, start };
    start = lf + 1;
  }
  if (start < bytes.length) yield { line: ++line, bytes: bytes.subarray(start), text: null, start };
}

/**
 * Lines out of a byte stream in flat memory, handed over one chunk's worth at a time (one await per chunk, not
 * per line); only the unfinished last line is carried between chunks.
 */
export async function* splitLinesStream(source: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<RawLine[]> {
  let carry: Uint8Array | null = null;
  let line = 0;
  let first = true;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    let data: Uint8Array = chunk;
    if (carry) {
      data = new Uint8Array(carry.length + chunk.length);
      data.set(carry);
      data.set(chunk, carry.length);
      carry = null;
    }
    let start = 0;
    if (first) {
      if (data.length < 3 && data[0] === 0xef) {
        carry = new Uint8Array(data);
        continue;
      }
      first = false;
      start = bomLength(data);
    }
    const lines: RawLine[] = [];
    // no chunk-wide text here: fields sliced from it would keep whole chunks alive, and a stream is for memory
    const search = searchable(data);
    for (let lf = search.indexOf(0x0a, start); lf >= 0; lf = search.indexOf(0x0a, start)) {
      lines.push({ line: ++line, bytes: data.subarray(start, lf), text: null, start });
      start = lf + 1;
    }
    if (lines.length > 0) yield lines;
    if (start < data.length) {
      // a copy (Buffer#slice would be a view): the source may refill its buffer for the next chunk
      carry = new Uint8Array(data.subarray(start));
      // no record is anywhere near this long: refuse a file without line endings instead of buffering all of it
      if (carry.length > MAX_LINE) {
        throw new FormatParseError({ file, line: line + 1, message: `a line longer than ${MAX_LINE} bytes` });
      }
    }
  }
  if (carry && carry.length > 0) {
    const start = first ? bomLength(carry) : 0;
    if (start < carry.length) yield [{ line: ++line, bytes: carry.subarray(start), text: null, start }];
  }
}
