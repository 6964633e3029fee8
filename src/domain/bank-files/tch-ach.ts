/**
 * `tch_ach`: Taiwan Clearing House ACH V10, 250-byte records (formats.md §2): ACHP01 payment files written,
 * ACHR01 return files read (and written by the sandbox bank). Dates are ROC dates.
 */
import type { PaymentBatchInput, PaymentTransaction } from './batch.ts';
import { ACH_RETURN_CODES } from './codes.ts';
import { concat, type Encoding } from './encoding.ts';
import { FormatParseError } from './errors.ts';
import { defineRecord, f, position, type RecordDef, readRecord, text, writeRecord } from './layout.ts';
import { normaliseLine, type RawLine } from './lines.ts';
import type { ReconciliationInput, ReconciliationRecord } from './records.ts';
import { fromRocDate, rocDate, taipeiStamp } from './taipei.ts';

export const RECORD_LENGTH = 250;
export const ACH_CENTRE = '9990250';
const CRLF = new Uint8Array([0x0d, 0x0a]);

export const HEADER = defineRecord('header', 250, [
  f('bof', 1, 3, 'X'),
  f('cdata', 4, 6, 'X'),
  f('tdate', 10, 8, '9'),
  f('ttime', 18, 6, '9'),
  f('sorg', 24, 7, '9'),
  f('rorg', 31, 7, '9'),
  f('verno', 38, 3, 'X'),
  f('filler', 41, 210, 'X'),
]);

export const DETAIL = defineRecord('detail', 250, [
  f('type', 1, 1, 'X'),
  f('txtype', 2, 2, 'X'),
  f('txid', 4, 3, '9'),
  f('seq', 7, 8, '9'),
  f('pbank', 15, 7, '9'),
  f('pclno', 22, 16, '9'),
  f('rbank', 38, 7, '9'),
  f('rclno', 45, 16, '9'),
  f('amt', 61, 10, '9'),
  f('rcode', 71, 2, 'X'),
  f('schd', 73, 1, 'X'),
  f('cid', 74, 10, 'X'),
  f('pid', 84, 10, 'X'),
  f('sid', 94, 6, 'X'),
  f('pdate', 100, 8, '9'),
  f('pseq', 108, 8, '9'),
  f('pschd', 116, 1, 'X'),
  f('cno', 117, 20, 'X'),
  f('note', 137, 40, 'X'),
  f('memo', 177, 10, 'X'),
  f('cfee', 187, 5, '9'),
  f('noteb', 192, 20, 'X'),
  f('filler', 212, 39, 'X'),
]);

export const TRAILER = defineRecord('trailer', 250, [
  f('eof', 1, 3, 'X'),
  f('cdata', 4, 6, 'X'),
  f('tdate', 10, 8, '9'),
  f('sorg', 18, 7, '9'),
  f('rorg', 25, 7, '9'),
  f('tcount', 32, 8, '9'),
  f('tamt', 40, 16, '9'),
  f('ydate', 56, 8, '9'),
  f('filler', 64, 187, 'X'),
]);

const line = (record: Uint8Array) => concat([record, CRLF]);

export function writeAchPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  const stamp = taipeiStamp(batch.created_at);
  const tdate = rocDate(`${stamp.ymd.slice(0, 4)}-${stamp.ymd.slice(4, 6)}-${stamp.ymd.slice(6, 8)}`);
  const sorg = batch.originator.bank_unit;
  const parts = [
    line(
      writeRecord(
        HEADER,
        { bof: 'BOF', cdata: 'ACHP01', tdate, ttime: stamp.hms, sorg, rorg: ACH_CENTRE, verno: 'V10' },
        encoding,
      ),
    ),
  ];
  let total = 0;
  batch.transactions.forEach((tx, i) => {
    const dollars = tx.amount_cents / 100;
    total += dollars;
    parts.push(
      line(
        writeRecord(
          DETAIL,
          {
            type: 'N',
            txtype: tx.direction === 'credit' ? 'SC' : 'SD',
            txid: tx.txid,
            seq: i + 1,
            pbank: batch.originator.bank_unit,
            pclno: batch.originator.account_number,
            rbank: `${tx.fisc_code}${tx.branch_code}`,
            rclno: tx.account_number,
            amt: dollars,
            schd: 'B',
            cid: batch.originator.id_number,
            pid: tx.id_number,
            cno: tx.cno,
            note: tx.transaction_id,
            memo: tx.memo,
            cfee: '00000',
          },
          encoding,
        ),
      ),
    );
  });
  parts.push(
    line(
      writeRecord(
        TRAILER,
        {
          eof: 'EOF',
          cdata: 'ACHP01',
          tdate,
          sorg,
          rorg: ACH_CENTRE,
          tcount: batch.transactions.length,
          tamt: total,
        },
        encoding,
      ),
    ),
  );
  return concat(parts);
}

/** ACHR01 written by the sandbox bank: R (or N) records; PDATE/PSEQ/PSCHD carry the original presentation. */
export function writeAchReturns(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  const created = input.header?.created_at ?? `${input.records[0]?.date ?? '1970-01-01'}T00:00:00+08:00`;
  const stamp = taipeiStamp(created);
  const tdate = rocDate(`${stamp.ymd.slice(0, 4)}-${stamp.ymd.slice(4, 6)}-${stamp.ymd.slice(6, 8)}`);
  const ours = input.header?.bank_unit ?? input.records[0]?.rbank ?? '0000000';
  const parts = [
    line(
      writeRecord(
        HEADER,
        { bof: 'BOF', cdata: 'ACHR01', tdate, ttime: stamp.hms, sorg: ACH_CENTRE, rorg: ours, verno: 'V10' },
        encoding,
      ),
    ),
  ];
  let total = 0;
  input.records.forEach((r, i) => {
    const dollars = Math.round((r.amount_cents ?? 0) / 100);
    total += dollars;
    parts.push(
      line(
        writeRecord(
          DETAIL,
          {
            type: r.type ?? r.record_type,
            txtype: r.txtype,
            txid: r.txid,
            seq: r.seq ?? i + 1,
            pbank: r.pbank,
            pclno: r.pclno,
            rbank: r.rbank,
            rclno: r.rclno,
            amt: dollars,
            rcode: r.code,
            schd: 'B',
            cid: r.cid,
            pid: r.pid,
            pdate: r.pdate ? rocDate(r.pdate) : null,
            pseq: r.pseq,
            pschd: r.pdate ? 'B' : null,
            cno: r.cno,
            note: r.note ?? r.transaction_id,
            cfee: '00000',
          },
          encoding,
        ),
      ),
    );
  });
  parts.push(
    line(
      writeRecord(
        TRAILER,
        { eof: 'EOF', cdata: 'ACHR01', tdate, sorg: ACH_CENTRE, rorg: ours, tcount: input.records.length, tamt: total },
        encoding,
      ),
    ),
  );
  return concat(parts);
}

interface Ctx {
  file: string;
  encoding: Encoding;
  cdata: 'ACHP01' | 'ACHR01';
}

function fail(
  ctx: Ctx,
  lineNo: number,
  def: RecordDef | null,
  field: string | null,
  value: string | null,
  message: string,
): never {
  const fd = def?.fields.find((x) => x.name === field);
  throw new FormatParseError(ctx.file, lineNo, def?.type ?? null, field, fd ? position(fd) : null, value, message);
}

function num(ctx: Ctx, lineNo: number, def: RecordDef, v: Record<string, string>, name: string): number {
  if (!/^\d+$/.test(v[name]!)) fail(ctx, lineNo, def, name, v[name]!, 'expected digits');
  return Number(v[name]);
}

/** Blank and all-zero optional numeric fields mean the same: null. */
function optionalNum(ctx: Ctx, lineNo: number, def: RecordDef, v: Record<string, string>, name: string): number | null {
  const raw = v[name]!;
  if (/^ *$/.test(raw) || /^0+$/.test(raw)) return null;
  return num(ctx, lineNo, def, v, name);
}

function optionalRoc(ctx: Ctx, lineNo: number, def: RecordDef, v: Record<string, string>, name: string): string | null {
  const raw = v[name]!;
  if (/^ *$/.test(raw) || /^0+$/.test(raw)) return null;
  const iso = fromRocDate(raw);
  if (!iso) fail(ctx, lineNo, def, name, raw, 'expected an ROC date 0YYYMMDD');
  return iso;
}

/** Shared reader for ACHP01 and ACHR01: header, details, trailer with count and total checks. */
export class AchParser {
  private header: Record<string, string> | null = null;
  private trailerSeen = false;
  private count = 0;
  private total = 0;
  private longest = 0;
  private lastLine = 0;
  readonly details: Array<Record<string, string> & { _line: string }> = [];
  constructor(private readonly ctx: Ctx) {}

  /** Returns the raw detail fields of a detail line; null for header/trailer. */
  push(raw: RawLine): Record<string, string> | null {
    this.lastLine = raw.line;
    const content =
      raw.bytes.length > 0 && raw.bytes[raw.bytes.length - 1] === 0x0d ? raw.bytes.subarray(0, -1) : raw.bytes;
    this.longest = Math.max(this.longest, content.length);
    if (!this.header) {
      const headerBytes = normaliseLine(raw.bytes, raw.line, RECORD_LENGTH, this.ctx.file);
      const v = readRecord(HEADER, headerBytes, this.ctx.encoding);
      if (v.bof !== 'BOF') fail(this.ctx, raw.line, HEADER, 'bof', v.bof!, 'expected BOF');
      if (v.verno !== 'V10') {
        if (content.length <= 160)
          fail(
            this.ctx,
            raw.line,
            HEADER,
            'verno',
            v.verno!,
            'legacy ACH layout not supported (160-byte records; only V10 is)',
          );
        fail(this.ctx, raw.line, HEADER, 'verno', v.verno!, 'expected V10');
      }
      if (v.cdata !== this.ctx.cdata) fail(this.ctx, raw.line, HEADER, 'cdata', v.cdata!, `expected ${this.ctx.cdata}`);
      if (!fromRocDate(v.tdate!)) fail(this.ctx, raw.line, HEADER, 'tdate', v.tdate!, 'expected an ROC date');
      this.header = v;
      return null;
    }
    const record = normaliseLine(raw.bytes, raw.line, RECORD_LENGTH, this.ctx.file);
    if (this.trailerSeen) fail(this.ctx, raw.line, null, null, null, 'record after the trailer');
    const start = String.fromCharCode(record[0]!, record[1]!, record[2]!);
    if (start === 'EOF') {
      const v = readRecord(TRAILER, record, this.ctx.encoding);
      const count = num(this.ctx, raw.line, TRAILER, v, 'tcount');
      const total = num(this.ctx, raw.line, TRAILER, v, 'tamt');
      if (count !== this.count)
        fail(this.ctx, raw.line, TRAILER, 'tcount', v.tcount!, `the file has ${this.count} details`);
      if (total !== this.total) fail(this.ctx, raw.line, TRAILER, 'tamt', v.tamt!, `details add up to ${this.total}`);
      this.trailerSeen = true;
      return null;
    }
    const v = readRecord(DETAIL, record, this.ctx.encoding);
    if (v.type !== 'N' && v.type !== 'R') fail(this.ctx, raw.line, DETAIL, 'type', v.type!, 'expected N or R');
    if (v.txtype !== 'SC' && v.txtype !== 'SD')
      fail(this.ctx, raw.line, DETAIL, 'txtype', v.txtype!, 'expected SC or SD');
    for (const name of ['txid', 'seq', 'pbank', 'pclno', 'rbank', 'rclno', 'amt'])
      num(this.ctx, raw.line, DETAIL, v, name);
    const amt = num(this.ctx, raw.line, DETAIL, v, 'amt');
    if (amt <= 0) fail(this.ctx, raw.line, DETAIL, 'amt', v.amt!, 'amount must be > 0');
    optionalNum(this.ctx, raw.line, DETAIL, v, 'pseq');
    optionalRoc(this.ctx, raw.line, DETAIL, v, 'pdate');
    this.count++;
    this.total += amt;
    return v;
  }

  tdate(): string {
    return fromRocDate(this.header!.tdate!)!;
  }

  headerFields(): Record<string, string> {
    return this.header!;
  }

  finish(): void {
    if (!this.header) fail(this.ctx, this.lastLine, HEADER, null, null, 'empty file: no header');
    if (!this.trailerSeen) fail(this.ctx, this.lastLine, TRAILER, null, null, 'no EOF trailer');
  }

  toRecord(v: Record<string, string>, lineNo: number): ReconciliationRecord {
    const code = text(v.rcode);
    const normalCode = code === '00' ? null : code;
    const out: ReconciliationRecord = {
      record_type: v.type!,
      type: v.type!,
      txtype: v.txtype!,
      txid: v.txid!,
      seq: Number(v.seq),
      pbank: v.pbank!,
      pclno: v.pclno!,
      rbank: v.rbank!,
      rclno: v.rclno!,
      amount_cents: Number(v.amt) * 100,
      code: normalCode,
      cid: text(v.cid),
      pid: text(v.pid),
      cno: text(v.cno),
      note: text(v.note),
      pdate: optionalRoc(this.ctx, lineNo, DETAIL, v, 'pdate'),
      pseq: optionalNum(this.ctx, lineNo, DETAIL, v, 'pseq'),
      transaction_id: text(v.note),
      date: this.tdate(),
    };
    if (v.type === 'R' && (normalCode === null || !(normalCode in ACH_RETURN_CODES))) out.unknown_code = true;
    if (v.type === 'N' && normalCode !== null && !(normalCode in ACH_RETURN_CODES)) out.unknown_code = true;
    return out;
  }
}

export function achPaymentFromDetails(parser: AchParser, details: Array<Record<string, string>>): PaymentBatchInput {
  const h = parser.headerFields();
  const tdate = parser.tdate();
  const t = h.ttime!;
  const first = details[0];
  const transactions: PaymentTransaction[] = details.map((v) => {
    const tx: PaymentTransaction = {
      transaction_id: text(v.note) ?? '',
      direction: v.txtype === 'SC' ? 'credit' : 'debit',
      txid: v.txid!,
      fisc_code: v.rbank!.slice(0, 3),
      branch_code: v.rbank!.slice(3),
      account_number: v.rclno!,
      account_holder: '',
      amount_cents: Number(v.amt) * 100,
      id_number: text(v.pid) ?? '',
    };
    delete (tx as Partial<PaymentTransaction>).account_holder;
    const cno = text(v.cno);
    if (cno !== null) tx.cno = cno;
    const memo = text(v.memo);
    if (memo !== null) tx.memo = memo;
    return tx;
  });
  return {
    created_at: `${tdate}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+08:00`,
    value_date: tdate,
    originator: {
      id_number: text(first?.cid) ?? '',
      bank_unit: h.sorg!,
      account_number: first?.pclno ?? '',
    },
    transactions,
  } as unknown as PaymentBatchInput;
}
