/**
 * Text <-> bytes for the file encodings. `Big5` is Microsoft CP950 exactly as iconv-lite's `cp950` table has it
 * (13,493 non-ASCII characters, F9D6–F9FE extensions included, nothing from the user-defined C6A1–C8FE range),
 * with the correction docs/formats.md requires: 十 -> A451 and 卅 -> A4CA (iconv-lite writes the duplicates A2CC/A2CE).
 * A character outside the repertoire is reported, never written as `?`. iconv-lite's `big5` (HKSCS) is never used.
 */
import iconv from 'iconv-lite';
import type { Encoding } from './types.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Code point -> CP950 code (lead byte << 8 | trail byte), 0 when outside the repertoire. Filled lazily. */
const UNKNOWN = 0xffffffff;
const cp950Codes = new Uint32Array(0x10000).fill(UNKNOWN);
cp950Codes[0x5341] = 0xa451; // 十
cp950Codes[0x5345] = 0xa4ca; // 卅

function cp950Code(codePoint: number): number {
  if (codePoint > 0xffff) return 0;
  const cached = cp950Codes[codePoint]!;
  if (cached !== UNKNOWN) return cached;
  let code = 0;
  if (codePoint <= 0xffff && (codePoint < 0xd800 || codePoint > 0xdfff)) {
    const out = iconv.encode(String.fromCharCode(codePoint), 'cp950');
    if (out.length === 2) {
      const c = (out[0]! << 8) | out[1]!;
      // the user-defined area is not part of the repertoire (iconv-lite 0.7 has none there; guard anyway)
      if (!(c >= 0xc6a1 && c <= 0xc8fe)) code = c;
    }
  }
  cp950Codes[codePoint] = code;
  return code;
}

/** Bytes one character takes, or 0 when the encoding cannot hold it. */
export function charByteLength(ch: string, encoding: Encoding): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return 1;
  if (encoding === 'UTF-8') return cp < 0x800 ? 2 : cp < 0x10000 ? 3 : (cp & 0xfffff800) === 0xd800 ? 0 : 4;
  return cp950Code(cp) === 0 ? 0 : 2;
}

/** First character the encoding cannot hold, or null. */
export function firstUnencodable(text: string, encoding: Encoding): string | null {
  for (const ch of text) if (charByteLength(ch, encoding) === 0) return ch;
  return null;
}

/**
 * Encoded length in bytes in one pass, or -1 when a character cannot be encoded, or -2 (with `noControls`) when a
 * C0 control character or DEL is present.
 */
export function encodedLength(text: string, encoding: Encoding, noControls: boolean): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (noControls && (c < 0x20 || c === 0x7f)) return -2;
      n++;
    } else if (encoding === 'Big5') {
      if (c >= 0xd800 && c <= 0xdfff) return -1; // astral or lone surrogate: never in CP950
      if (cp950Code(c) === 0) return -1;
      n += 2;
    } else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else n += 3;
  }
  return n;
}

/** Encoded length in bytes (callers check encodability first). */
export function byteLength(text: string, encoding: Encoding): number {
  let n = 0;
  for (const ch of text) n += charByteLength(ch, encoding);
  return n;
}

/**
 * Writes `text` into `out` at `offset`, at most `max` bytes, whole characters only (a character that would cross
 * the end is left out with everything after it). Returns bytes written, or -1 when a character cannot be encoded.
 */
export function writeText(text: string, encoding: Encoding, out: Uint8Array, offset: number, max: number): number {
  // the ASCII head first, with no room check per character: an ASCII character is one byte, so the first
  // min(length, max) characters fit when they are ASCII (most fields are ASCII throughout)
  const length = text.length;
  const head = Math.min(length, max);
  let n = 0;
  for (; n < head; n++) {
    const c = text.charCodeAt(n);
    if (c >= 0x80) break;
    out[offset + n] = c;
  }
  if (n === length) return n;
  for (let i = n; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (n + 1 > max) return n;
      out[offset + n++] = c;
    } else if (encoding === 'Big5') {
      const code = c >= 0xd800 && c <= 0xdfff ? 0 : cp950Code(c);
      if (code === 0) return -1;
      if (n + 2 > max) return n;
      out[offset + n++] = code >> 8;
      out[offset + n++] = code & 0xff;
    } else if (c < 0x800) {
      if (n + 2 > max) return n;
      out[offset + n++] = 0xc0 | (c >> 6);
      out[offset + n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1; // a lone surrogate has no UTF-8 form
      if (n + 4 > max) return n;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      out[offset + n++] = 0xf0 | (cp >> 18);
      out[offset + n++] = 0x80 | ((cp >> 12) & 0x3f);
      out[offset + n++] = 0x80 | ((cp >> 6) & 0x3f);
      out[offset + n++] = 0x80 | (cp & 0x3f);
      i++;
    } else {
      if (n + 3 > max) return n;
      out[offset + n++] = 0xe0 | (c >> 12);
      out[offset + n++] = 0x80 | ((c >> 6) & 0x3f);
      out[offset + n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** Encodes a whole string; throws when a character cannot be encoded (validate first). */
export function encodeText(text: string, encoding: Encoding): Uint8Array {
  if (encoding === 'UTF-8') {
    if (firstUnencodable(text, encoding) !== null) throw new Error('unencodable text reached the writer');
    return utf8Encoder.encode(text);
  }
  const out = new Uint8Array(text.length * 2);
  const n = writeText(text, encoding, out, 0, out.length);
  if (n < 0) throw new Error('unencodable text reached the writer');
  return out.subarray(0, n);
}

/** Cuts text to at most `max` encoded bytes at a character boundary. */
export function truncateToBytes(text: string, encoding: Encoding, max: number): { text: string; truncated: boolean } {
  let used = 0;
  let out = '';
  for (const ch of text) {
    const len = charByteLength(ch, encoding);
    if (used + len > max) return { text: out, truncated: true };
    used += len;
    out += ch;
  }
  return { text: out, truncated: false };
}

/** ASCII bytes to a string, fast. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  // one character per byte (only ever called on ASCII ranges, or to get a byte-per-char view of a record)
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

/**
 * CP950 code -> UTF-16 code unit, built once from iconv-lite's own table (every lead/trail pair decoded in one
 * call), so field decoding is a table lookup. 0 marks a pair that is not a character. Every CP950 character is
 * in the BMP, so one code unit per pair.
 */
let cp950Decode: Uint16Array | null = null;

function decodeTable(): Uint16Array {
  if (cp950Decode) return cp950Decode;
  const table = new Uint16Array(0x10000);
  const pairs: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail > 0x7e && trail < 0xa1) continue;
      pairs.push(lead, trail, 0x0a);
    }
  }
  const lines = iconv.decode(new Uint8Array(pairs) as never, 'cp950').split('\n');
  let k = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail > 0x7e && trail < 0xa1) continue;
      const text = lines[k++]!;
      if (text.length === 1 && text !== '\ufffd') table[(lead << 8) | trail] = text.charCodeAt(0);
    }
  }
  cp950Decode = table;
  return table;
}

/** Decodes one field's bytes; null when they are not valid in the encoding (e.g. a split double-byte character). */
export function decodeBytes(bytes: Uint8Array, encoding: Encoding): string | null {
  return decodeRange(bytes, 0, bytes.length, encoding);
}

/** Decodes bytes[start, end) without copying; null when they are not valid in the encoding. */
export function decodeRange(bytes: Uint8Array, start: number, end: number, encoding: Encoding): string | null {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return asciiString(bytes, start, end);
  return decodeNonAscii(bytes, start, end, encoding);
}

/** decodeRange for a range already known to hold a byte over 0x7F (the record reader has looked). */
export function decodeNonAscii(bytes: Uint8Array, start: number, end: number, encoding: Encoding): string | null {
  if (encoding === 'UTF-8') {
    try {
      return utf8Decoder.decode(bytes.subarray(start, end));
    } catch {
      return null;
    }
  }
  const table = decodeTable();
  // characters counted first, so the code units go into a reused array of exactly that length and become a string
  // in one call: cheaper than `+=` per character, and than emptying and growing one array per field
  let count = 0;
  for (let i = start; i < end; i++, count++) if (bytes[i]! >= 0x80) i++;
  let units = scratchUnits[count];
  if (units === undefined) {
    units = Array.from({ length: count }, () => 0);
    scratchUnits[count] = units;
  }
  let k = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units[k++] = b;
      continue;
    }
    const c = i + 1 < end ? table[(b << 8) | bytes[i + 1]!]! : 0;
    if (c === 0) return null;
    units[k++] = c;
    i++;
  }
  return String.fromCharCode.apply(null, units);
}

/** Code-unit arrays by length, made on first use (fields are at most a few hundred bytes). */
const scratchUnits: number[][] = [];

/** A streaming decoder for csv: chunks in, text out, null on bytes the encoding does not allow. */
export function createDecoder(encoding: Encoding): { write(chunk: Uint8Array): string | null; end(): string | null } {
  if (encoding === 'UTF-8') {
    const d = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    return {
      write(chunk) {
        try {
          return d.decode(chunk, { stream: true });
        } catch {
          return null;
        }
      },
      end() {
        try {
          return d.decode();
        } catch {
          return null;
        }
      },
    };
  }
  const d = iconv.getDecoder('cp950');
  return {
    write(chunk) {
      const s = d.write(chunk as never);
      return s.includes('\ufffd') ? null : s;
    },
    end() {
      const s = d.end() ?? '';
      return s.includes('\ufffd') ? null : s;
    },
  };
}
