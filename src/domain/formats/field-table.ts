/**
 * Records as data: a record type is a list of fields with 1-based byte positions, exactly as the spec's tables
 * give them. One writer fills a record from values and one reader slices a record into fields, driven by these
 * tables; no per-field string slicing anywhere else.
 *
 * @example
 *   const T = defineRecord('T', 200, [field('record_type', 1, 1, 'X'), field('count', 2, 6, '9'), …]);
 *   writeRecord(T, { record_type: 'T', count: 2 }, 'Big5', out, 0);
 */
import { writeText } from './encoding.ts';
import type { Encoding } from './types.ts';

export interface FieldDef {
  /** Key in the record's value object. */
  readonly name: string;
  /** 1-based first byte. */
  readonly start: number;
  readonly length: number;
  /** `9`: ASCII digits, right-aligned, zero-padded. `X`: text, left-aligned, space-padded. */
  readonly type: '9' | 'X';
  /** Place in its record's field list: where writeRecordSlots takes the field's value from. */
  readonly index: number;
}

/** A field as the spec's table gives it; defineRecord places it in its record. */
export type FieldSpec = Omit<FieldDef, 'index'>;

export interface RecordDef {
  /** Record type as the spec names it (H, D, T, R, header, detail, trailer). */
  readonly type: string;
  readonly length: number;
  readonly fields: readonly FieldDef[];
  readonly byName: ReadonlyMap<string, FieldDef>;
}

export function field(name: string, start: number, length: number, type: '9' | 'X'): FieldSpec {
  return { name, start, length, type };
}

/** Checks at load time that the table tiles the record exactly, so a typo in a position cannot ship. */
export function defineRecord(type: string, length: number, specs: FieldSpec[]): RecordDef {
  let expected = 1;
  for (const f of specs) {
    if (f.start !== expected) throw new Error(`${type}.${f.name} starts at ${f.start}, expected ${expected}`);
    expected = f.start + f.length;
  }
  if (expected !== length + 1) throw new Error(`${type} fields end at ${expected - 1}, record is ${length}`);
  // one literal shape for every field of every record: the readers' hot paths see a single hidden class
  const fields = specs.map(
    ({ name, start, length: width, type: kind }, index): FieldDef => ({
      name,
      start,
      length: width,
      type: kind,
      index,
    }),
  );
  return { type, length, fields, byName: new Map(fields.map((f) => [f.name, f])) };
}

/** `37-50` (1-based, inclusive) as docs/cli.md prints positions. */
export function position(f: FieldDef): string {
  return `${f.start}-${f.start + f.length - 1}`;
}

/** 10^n for the widths of numeric fields (the largest is 16 digits). */
const POWERS_OF_TEN = Array.from({ length: 17 }, (_, n) => 10 ** n);

export type RecordValues = Record<string, string | number | null | undefined>;

/** Why a value could not be written: a programming error, values are validated before writing. */
export class FieldWriteError extends Error {}

/**
 * The named fields of a record, resolved once (a missing name fails at load time), for code that reads or writes
 * that record type a million times: `D.amount` instead of a lookup by name per record.
 */
export function fieldsByName<const N extends string>(def: RecordDef, names: readonly N[]): Record<N, FieldDef> {
  const out = {} as Record<N, FieldDef>;
  for (const name of names) {
    const f = def.byName.get(name);
    if (!f) throw new Error(`${def.type} has no field ${name}`);
    out[name] = f;
  }
  return out;
}

/**
 * Writes one record (without line ending) at `offset` of `out`. Absent (undefined/null/'') values leave spaces,
 * numeric fields included: docs/formats.md writes optional numeric fields (PDATE, PSEQ, YDATE on P01) as spaces.
 */
export function writeRecord(def: RecordDef, values: RecordValues, encoding: Encoding, out: Uint8Array, offset: number) {
  writeRecordSlots(
    def,
    def.fields.map((f) => values[f.name]),
    encoding,
    out,
    offset,
  );
}

/**
 * writeRecord with the values in field order (by FieldDef.index): values looked up by a variable name on an object
 * cost more than writing the bytes.
 */
export function writeRecordSlots(
  def: RecordDef,
  values: ArrayLike<string | number | null | undefined>,
  encoding: Encoding,
  out: Uint8Array,
  offset: number,
  /** false when `out` is already spaces there (a writer that filled the whole file once) */
  blank = true,
) {
  if (blank) out.fill(0x20, offset, offset + def.length);
  const fields = def.fields;
  for (let k = 0; k < fields.length; k++) {
    const raw = values[k];
    if (raw === undefined || raw === null || raw === '') continue;
    const f = fields[k]!;
    if (f.type === '9') {
      if (typeof raw === 'number') writeNumberField(def, f, raw, out, offset);
      else writeDigitsField(def, f, raw, out, offset);
    } else writeTextField(def, f, typeof raw === 'string' ? raw : String(raw), encoding, out, offset);
  }
}

/*
 * One field of a record at `offset` (the record's first byte), for writers of a record type that is written a
 * million times (the payment D record): a call per field with its FieldDef resolved at load time, no value slots
 * and no dispatch on the field's type. writeRecordSlots goes through the same three functions.
 */

/** A number into a `9` field, right-aligned and zero-padded. */
export function writeNumberField(def: RecordDef, f: FieldDef, value: number, out: Uint8Array, offset: number) {
  if (!Number.isSafeInteger(value) || value < 0 || value >= POWERS_OF_TEN[f.length]!) {
    throw new FieldWriteError(`${def.type}.${f.name}: ${value} is not ${f.length} digits`);
  }
  const at = offset + f.start - 1;
  let v = value;
  let i = at + f.length - 1;
  // float division only while the value is beyond int32; the rest in integer arithmetic
  for (; i >= at && v > 0x7fffffff; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  for (; i >= at && v > 0; i--) {
    const q = (v / 10) | 0;
    out[i] = 0x30 + (v - q * 10);
    v = q;
  }
  // the leading zeros (most of a 13-digit amount) without a division each
  for (; i >= at; i--) out[i] = 0x30;
}

/** A digit string into a `9` field, right-aligned and zero-padded. */
export function writeDigitsField(def: RecordDef, f: FieldDef, digits: string, out: Uint8Array, offset: number) {
  const at = offset + f.start - 1;
  const pad = f.length - digits.length;
  if (pad < 0) throw new FieldWriteError(`${def.type}.${f.name}: ${JSON.stringify(digits)} is not ${f.length} digits`);
  for (let i = 0; i < pad; i++) out[at + i] = 0x30;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      throw new FieldWriteError(`${def.type}.${f.name}: ${JSON.stringify(digits)} is not ${f.length} digits`);
    }
    out[at + pad + i] = c;
  }
}

/** Text into an `X` field, left-aligned; the rest stays as it is (spaces). Absent or empty text writes nothing. */
export function writeTextField(
  def: RecordDef,
  f: FieldDef,
  text: string | null | undefined,
  encoding: Encoding,
  out: Uint8Array,
  offset: number,
) {
  if (text === undefined || text === null || text === '') return;
  const at = offset + f.start - 1;
  const length = text.length;
  // an ASCII text that fits, here rather than in writeText: a loop small enough to be inlined into a writer's
  // per-record loop, where a call per field costs about as much as the characters (most texts are ASCII)
  if (length <= f.length) {
    let i = 0;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[at + i++] = c;
    }
    if (i === length) return;
  }
  if (writeText(text, encoding, out, at, f.length) < 0) {
    throw new FieldWriteError(`${def.type}.${f.name}: not encodable in ${encoding}`);
  }
}

/** Text value as docs/cli.md wants it: trailing 0x20 removed; empty -> null. */
export function trimText(value: string | undefined): string | null {
  if (value === undefined) return null;
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x20) end--;
  return end === 0 ? null : value.slice(0, end);
}
