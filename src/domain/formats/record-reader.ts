/**
 * Reads the fields of one fixed-length record through its field table, lazily: each field is sliced by its byte
 * positions and decoded on its own (a Big5 trail byte can be 0x40–0x7E) only when asked for, so a parser pays for
 * the fields it uses. Bad values become a FormatParseError naming the file, line, record type, field, byte
 * positions and value. Shared by the fixed_width and tch_ach parsers.
 */
import { fromRocDate, fromYmd } from './dates.ts';
import { decodeNonAscii, decodeRange } from './encoding.ts';
import { FormatParseError } from './errors.ts';
import { type FieldDef, position, type RecordDef } from './field-table.ts';
import { byteText, type RawLine } from './lines.ts';
import type { Encoding } from './types.ts';

/** A field by its name in the table, or the table's FieldDef. */
export type FieldName = string | FieldDef;

export class RecordReader {
  /**
   * The record with one character per byte, at `textStart` of a longer text (the line's source buffer) or alone:
   * slicing it is the fastest way to read ASCII fields.
   */
  private bytesText: string | null = null;
  private textStart = 0;
  /**
   * The record's memory as 32-bit words (`view` over its whole buffer, the record at `viewBase`): padding and
   * ASCII checks four bytes at a time. One view per source buffer, not one per record.
   */
  private view: DataView | null = null;
  private viewBuffer: ArrayBufferLike | null = null;
  private viewBase = 0;

  constructor(
    readonly def: RecordDef,
    /** The record's bytes (record length); the caller keeps them unchanged while the reader is in use. */
    public bytes: Uint8Array,
    readonly encoding: Encoding,
    readonly file: string,
    public line: number,
  ) {}

  /** Points the reader at the next record of the same type (one reader per record type, no allocation). */
  reset(bytes: Uint8Array, line: number): this {
    this.bytes = bytes;
    this.line = line;
    this.bytesText = null;
    this.textStart = 0;
    const buffer = bytes.buffer;
    if (buffer !== this.viewBuffer) {
      this.view = new DataView(buffer);
      this.viewBuffer = buffer;
    }
    this.viewBase = bytes.byteOffset;
    return this;
  }

  /** reset() to the record of `raw`, reusing the source's byte text when the record is the line's own bytes. */
  resetTo(record: Uint8Array, raw: RawLine): this {
    this.reset(record, raw.line);
    if (raw.text !== null && raw.bytes.length >= record.length) {
      this.bytesText = raw.text;
      this.textStart = raw.start;
    }
    return this;
  }

  private slice(start: number, end: number): string {
    if (this.bytesText === null) {
      this.bytesText = byteText(this.bytes);
      this.textStart = 0;
    }
    return this.bytesText.slice(this.textStart + start, this.textStart + end);
  }

  static read(def: RecordDef, record: Uint8Array, encoding: Encoding, file: string, line: number): RecordReader {
    return new RecordReader(def, record, encoding, file, line);
  }

  /** A reader to reset() for every record of one type. */
  static reusable(def: RecordDef, encoding: Encoding, file: string): RecordReader {
    return new RecordReader(def, new Uint8Array(def.length), encoding, file, 0);
  }

  /** bytes[start, end) decoded: a slice of the byte text when ASCII, else decoded on its own. */
  private decode(start: number, end: number): string | null {
    let i = start;
    const view = this.view;
    if (view !== null) {
      const base = this.viewBase;
      for (; i + 4 <= end; i += 4) if ((view.getUint32(base + i) & 0x80808080) !== 0) break;
    }
    for (; i < end; i++) {
      if (this.bytes[i]! > 0x7f) return decodeNonAscii(this.bytes, start, end, this.encoding);
    }
    return this.slice(start, end);
  }

  /** By name, or the FieldDef itself (hot paths resolve their fields once, at load time). */
  private field(name: string | FieldDef): FieldDef {
    if (typeof name !== 'string') return name;
    const f = this.def.byName.get(name);
    if (!f) throw new Error(`internal: ${this.def.type} has no field ${name}`);
    return f;
  }

  /** The field as it stands in the file, for messages: decoded, or its bytes in hex when they do not decode. */
  shown(name: FieldName): string {
    const f = this.field(name);
    const start = f.start - 1;
    const text = decodeRange(this.bytes, start, start + f.length, this.encoding);
    if (text !== null) return text;
    return Array.from(this.bytes.subarray(start, start + f.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
  }

  fail(name: FieldName, message: string, value: string | null = this.shown(name)): never {
    const f = typeof name === 'string' ? this.def.byName.get(name) : name;
    throw new FormatParseError({
      file: this.file,
      line: this.line,
      record_type: this.def.type,
      field: typeof name === 'string' ? name : name.name,
      position: f ? position(f) : null,
      value,
      message,
    });
  }

  /** The whole field decoded, trailing spaces kept. */
  raw(name: FieldName): string {
    const f = this.field(name);
    const text = this.decode(f.start - 1, f.start - 1 + f.length);
    return text ?? this.fail(name, `bytes are not valid ${this.encoding}`);
  }

  /** Text as docs/cli.md wants it: trailing 0x20 removed; empty -> null. */
  text(name: FieldName): string | null {
    const f = this.field(name);
    const start = f.start - 1;
    let end = start + f.length;
    const view = this.view;
    if (view !== null) {
      const base = this.viewBase;
      while (end - start >= 4 && view.getUint32(base + end - 4) === 0x20202020) end -= 4;
    }
    while (end > start && this.bytes[end - 1] === 0x20) end--;
    if (end === start) return null;
    const text = this.decode(start, end);
    return text ?? this.fail(name, `bytes are not valid ${this.encoding}`);
  }

  /** Whether the field holds only spaces (and, with `zerosBlank`, only zeros). */
  blank(name: FieldName, zerosBlank = false): boolean {
    const f = this.field(name);
    const b0 = this.bytes[f.start - 1];
    if (b0 !== 0x20 && !(zerosBlank && b0 === 0x30)) return false;
    for (let i = f.start; i < f.start - 1 + f.length; i++) if (this.bytes[i] !== b0) return false;
    return true;
  }

  /** Required digits as the string in the file (leading zeros kept). */
  digits(name: FieldName): string {
    const f = this.field(name);
    const start = f.start - 1;
    const end = start + f.length;
    for (let i = start; i < end; i++) {
      const b = this.bytes[i]!;
      if (b < 0x30 || b > 0x39) this.fail(name, 'expected digits');
    }
    return this.slice(start, end);
  }

  /** Required digits as a number (the fields read this way hold at most 15 digits: safe integers). */
  int(name: FieldName): number {
    const f = this.field(name);
    let n = 0;
    for (let i = f.start - 1; i < f.start - 1 + f.length; i++) {
      const b = this.bytes[i]!;
      if (b < 0x30 || b > 0x39) this.fail(name, 'expected digits');
      n = n * 10 + (b - 0x30);
    }
    return n;
  }

  /** Blank -> null; with `zerosBlank`, all zeros too (docs/formats.md: "blank and all-zero … mean the same"). */
  optionalInt(name: FieldName, zerosBlank = false): number | null {
    return this.blank(name, zerosBlank) ? null : this.int(name);
  }

  ymd(name: FieldName): string {
    const digits = this.digits(name);
    if (digits === this.lastYmd) return this.lastIso;
    const iso = fromYmd(digits);
    if (iso === null) this.fail(name, 'expected a date YYYYMMDD');
    this.lastYmd = digits;
    this.lastIso = iso;
    return iso;
  }

  /** Files repeat the same date on every record: the last conversion is kept. */
  private lastYmd = '';
  private lastIso = '';

  optionalYmd(name: FieldName): string | null {
    return this.blank(name) ? null : this.ymd(name);
  }

  roc(name: FieldName): string {
    const iso = fromRocDate(this.raw(name));
    if (iso === null) this.fail(name, 'expected an ROC date 0YYYMMDD');
    return iso;
  }

  optionalRoc(name: FieldName): string | null {
    return this.blank(name, true) ? null : this.roc(name);
  }

  expect(name: FieldName, allowed: readonly string[]): string {
    const v = this.raw(name);
    if (!allowed.includes(v)) this.fail(name, `expected ${allowed.join(' or ')}`);
    return v;
  }
}

export function lineError(file: string, line: number, message: string, value: string | null = null): never {
  throw new FormatParseError({ file, line, value, message });
}
