/**
 * Records as data: a record type is a list of fields with 1-based byte positions, as the spec's tables give
 * them. One writer fills a record from values and one reader slices a record into fields, driven by these
 * tables; no per-field string slicing anywhere else.
 */
import { decodeBytes, type Encoding, encodeText } from './encoding.ts';

export interface FieldDef {
  /** Key in the record's value object. */
  name: string;
  /** 1-based first byte. */
  start: number;
  length: number;
  /** `9`: ASCII digits, right-aligned, zero-padded. `X`: text, left-aligned, space-padded. */
  type: '9' | 'X';
}

export interface RecordDef {
  /** Record type as the spec names it (H, D, T, R, header…). */
  type: string;
  length: number;
  fields: FieldDef[];
}

/** Field helper: `f('amount', 81, 13, '9')`. */
export function f(name: string, start: number, length: number, type: '9' | 'X'): FieldDef {
  return { name, start, length, type };
}

export function defineRecord(type: string, length: number, fields: FieldDef[]): RecordDef {
  let expected = 1;
  for (const field of fields) {
    if (field.start !== expected)
      throw new Error(`${type}.${field.name} starts at ${field.start}, expected ${expected}`);
    expected = field.start + field.length;
  }
  if (expected !== length + 1) throw new Error(`${type} fields end at ${expected - 1}, record is ${length}`);
  return { type, length, fields };
}

export function position(field: FieldDef): string {
  return field.length === 1 ? String(field.start) : `${field.start}-${field.start + field.length - 1}`;
}

export type RecordValues = Record<string, string | number | null | undefined>;

export class FieldOverflow extends Error {
  constructor(
    readonly field: FieldDef,
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

/** Writes one record (without line ending). Values must already be validated; overflow is a programming error. */
export function writeRecord(def: RecordDef, values: RecordValues, encoding: Encoding): Uint8Array {
  const out = new Uint8Array(def.length).fill(0x20);
  for (const field of def.fields) {
    const raw = values[field.name];
    // absent optional fields are spaces, numeric ones included (formats.md: blank and zeros mean the same)
    if (raw === undefined || raw === null || raw === '') continue;
    const text = String(raw);
    if (field.type === '9') {
      if (!/^\d*$/.test(text)) throw new FieldOverflow(field, text, `${def.type}.${field.name}: not digits`);
      if (text.length > field.length) throw new FieldOverflow(field, text, `${def.type}.${field.name}: too long`);
      const padded = text.padStart(field.length, '0');
      for (let i = 0; i < field.length; i++) out[field.start - 1 + i] = padded.charCodeAt(i);
    } else {
      const bytes = encodeText(text, encoding);
      if (!bytes) throw new FieldOverflow(field, text, `${def.type}.${field.name}: not encodable`);
      if (bytes.length > field.length) throw new FieldOverflow(field, text, `${def.type}.${field.name}: too long`);
      out.set(bytes, field.start - 1);
    }
  }
  return out;
}

/** Slices a record into raw field texts: bytes first, then each field decoded on its own. */
export function readRecord(def: RecordDef, record: Uint8Array, encoding: Encoding): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of def.fields) {
    out[field.name] = decodeBytes(record.subarray(field.start - 1, field.start - 1 + field.length), encoding);
  }
  return out;
}

/** Text value as cli.md wants it: trailing 0x20 removed; empty -> null. */
export function text(value: string | undefined): string | null {
  if (value === undefined) return null;
  const trimmed = value.replace(/ +$/, '');
  return trimmed === '' ? null : trimmed;
}
