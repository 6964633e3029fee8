/**
 * Text <-> bytes for the file encodings. `Big5` is Microsoft CP950 as iconv-lite's `cp950` table has it, with
 * the two corrections formats.md requires (十 -> A451, 卅 -> A4CA, where iconv-lite writes the duplicates
 * A2CC/A2CE) and nothing from the user-defined C6A1–C8FE range. A character outside the repertoire is reported,
 * never written as `?`. Fields are measured in bytes after encoding and filled with whole characters only.
 */
import iconv from 'iconv-lite';

export type Encoding = 'Big5' | 'UTF-8';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const big5Cache = new Map<string, Uint8Array | null>();
const CORRECTIONS: Record<string, Uint8Array> = {
  十: new Uint8Array([0xa4, 0x51]),
  卅: new Uint8Array([0xa4, 0xca]),
};

function big5Char(ch: string): Uint8Array | null {
  const cached = big5Cache.get(ch);
  if (cached !== undefined) return cached;
  let bytes: Uint8Array | null = CORRECTIONS[ch] ?? null;
  if (!bytes) {
    const out = iconv.encode(ch, 'cp950');
    const unencodable = out.length === 1 && out[0] === 0x3f && ch !== '?';
    const userDefined = out.length === 2 && out[0]! >= 0xc6 && out[0]! <= 0xc8 && !(out[0] === 0xc6 && out[1]! < 0xa1);
    bytes = unencodable || userDefined || out.length === 0 ? null : new Uint8Array(out);
  }
  big5Cache.set(ch, bytes);
  return bytes;
}

/** Encoded bytes of each character, or the first character the encoding cannot hold. */
export function encodeChars(text: string, encoding: Encoding): { chars: Uint8Array[] } | { bad: string } {
  const chars: Uint8Array[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      chars.push(new Uint8Array([code]));
      continue;
    }
    if (encoding === 'UTF-8') {
      chars.push(utf8.encode(ch));
      continue;
    }
    const bytes = big5Char(ch);
    if (!bytes) return { bad: ch };
    chars.push(bytes);
  }
  return { chars };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Encodes a whole string; null when a character cannot be encoded (see `firstUnencodable`). */
export function encodeText(text: string, encoding: Encoding): Uint8Array | null {
  if (isAscii(text)) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  if (encoding === 'UTF-8') return utf8.encode(text);
  const r = encodeChars(text, encoding);
  if ('bad' in r) return null;
  return concat(r.chars);
}

export function firstUnencodable(text: string, encoding: Encoding): string | null {
  const r = encodeChars(text, encoding);
  return 'bad' in r ? r.bad : null;
}

export function byteLength(text: string, encoding: Encoding): number | null {
  return encodeText(text, encoding)?.length ?? null;
}

/** Cuts text to at most `max` bytes at a character boundary. */
export function truncateToBytes(text: string, encoding: Encoding, max: number): { text: string; truncated: boolean } {
  const r = encodeChars(text, encoding);
  if ('bad' in r) return { text, truncated: false };
  let used = 0;
  let out = '';
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const len = r.chars[i]!.length;
    if (used + len > max) return { text: out, truncated: true };
    used += len;
    out += chars[i];
  }
  return { text: out, truncated: false };
}

export function decodeBytes(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'UTF-8') return utf8Decoder.decode(bytes);
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  // A451/A4CA decode to 十/卅 in iconv-lite's table already; the duplicates A2CC/A2CE too.
  return iconv.decode(bytes as never, 'cp950');
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
