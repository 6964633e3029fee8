/**
 * `tch_ach`: Taiwan Clearing House ACH V10, 250-byte records (docs/formats.md, tch_ach). ACHP01 payment files are written
 * and read; ACHR01 return files are read (and written by the sandbox bank). Dates are ROC dates.
 */

import { ACH_DETAIL, TXTYPE } from './ach-detail.ts';
import { ACH_CENTRE, ACH_HEADER, ACH_VERSION } from './ach-header.ts';
import { ACH_TRAILER } from './ach-trailer.ts';
import { ACH_RETURN_CODES } from './codes.ts';
import { taipeiStamp, toRocDate } from './dates.ts';
import { FormatParseError } from './errors.ts';
import { writeRecord } from './field-table.ts';
import { type RawLine, recordOf } from './lines.ts';
import { lineError, RecordReader } from './record-reader.ts';
import type {
  Encoding,
  PaymentBatchInput,
  PaymentTransaction,
  ReconciliationInput,
  ReconciliationRecord,
  ReconciliationTotals,
} from './types.ts';

export const ACH_RECORD = 250;
const LINE = ACH_RECORD + 2;
/** The out-of-scope legacy layout's record length. */
const LEGACY_RECORD = 160;

function crlf(out: Uint8Array, offset: number) {
  out[offset + ACH_RECORD] = 0x0d;
  out[offset + ACH_RECORD + 1] = 0x0a;
}

function rocStamp(iso: string): { tdate: string; ttime: string } {
  const s = taipeiStamp(iso);
  return { tdate: toRocDate(`${s.ymd.slice(0, 4)}-${s.ymd.slice(4, 6)}-${s.ymd.slice(6, 8)}`), ttime: s.hms };
}

/** Writes a validated, normalised batch as an ACHP01 file. */
export function writeAchPayment(batch: PaymentBatchInput, encoding: Encoding): Uint8Array {
  const n = batch.transactions.length;
  const out = new Uint8Array((n + 2) * LINE);
  const { tdate, ttime } = rocStamp(batch.created_at);
  const o = batch.originator;
  writeRecord(
    ACH_HEADER,
    { bof: 'BOF', cdata: 'ACHP01', tdate, ttime, sorg: o.bank_unit, rorg: ACH_CENTRE, verno: ACH_VERSION },
    encoding,
    out,
    0,
  );
  crlf(out, 0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const tx = batch.transactions[i]!;
    const dollars = tx.amount_cents / 100;
    total += dollars;
    const at = (i + 1) * LINE;
    writeRecord(
      ACH_DETAIL,
      {
        type: 'N',
        txtype: TXTYPE[tx.direction],
        txid: tx.txid,
        seq: i + 1,
        pbank: o.bank_unit,
        pclno: o.account_number,
        rbank: `${tx.fisc_code}${tx.branch_code}`,
        rclno: tx.account_number,
        amt: dollars,
        schd: 'B',
        cid: o.id_number,
        pid: tx.id_number,
        cno: tx.cno,
        note: tx.transaction_id,
        memo: tx.memo,
        cfee: '00000',
      },
      encoding,
      out,
      at,
    );
    crlf(out, at);
  }
  const at = (n + 1) * LINE;
  writeRecord(
    ACH_TRAILER,
    { eof: 'EOF', cdata: 'ACHP01', tdate, sorg: o.bank_unit, rorg: ACH_CENTRE, tcount: n, tamt: total },
    encoding,
    out,
    at,
  );
  crlf(out, at);
  return out;
}

/**
 * ACHR01 as the sandbox bank writes it: the records as given (PBANK/PCLNO and RBANK/RCLNO already swapped by the
 * caller), PDATE/PSEQ/PSCHD carrying the original presentation. SORG = the ACH centre, RORG = our bank unit.
 * YDATE (previous business day) is written as spaces: the domain has no bank calendar here.
 */
export function writeAchReturns(input: ReconciliationInput, encoding: Encoding): Uint8Array {
  const n = input.records.length;
  const out = new Uint8Array((n + 2) * LINE);
  const { tdate, ttime } = rocStamp(
    input.header?.created_at ?? `${input.records[0]?.date ?? '1970-01-01'}T00:00:00+08:00`,
  );
  const ours = input.header?.bank_unit ?? input.records[0]?.rbank ?? null;
  writeRecord(
    ACH_HEADER,
    { bof: 'BOF', cdata: 'ACHR01', tdate, ttime, sorg: ACH_CENTRE, rorg: ours, verno: ACH_VERSION },
    encoding,
    out,
    0,
  );
  crlf(out, 0);
  let total = 0;
  for (const [i, r] of input.records.entries()) {
    const dollars = Math.floor((r.amount_cents ?? 0) / 100);
    total += dollars;
    const at = (i + 1) * LINE;
    writeRecord(
      ACH_DETAIL,
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
        pdate: r.pdate ? toRocDate(r.pdate) : null,
        pseq: r.pseq,
        pschd: r.pdate ? 'B' : null,
        cno: r.cno,
        note: r.note ?? r.transaction_id,
        cfee: '00000',
      },
      encoding,
      out,
      at,
    );
    crlf(out, at);
  }
  const at = (n + 1) * LINE;
  writeRecord(
    ACH_TRAILER,
    { eof: 'EOF', cdata: 'ACHR01', tdate, sorg: ACH_CENTRE, rorg: ours, tcount: n, tamt: total },
    encoding,
    out,
    at,
  );
  crlf(out, at);
  return out;
}

/** A detail record: valid until the next push() (the reader is reused). */
export interface AchDetail {
  reader: RecordReader;
  amountDollars: number;
}

/**
 * Shared reader for ACHP01 and ACHR01: header, details, trailer (TCOUNT, TAMT and the header's CDATA/TDATE/SORG/
 * RORG checked). push() returns the detail records; header and trailer return null.
 */
const PAYMENT_TYPES = ['N'];
const RETURN_TYPES = ['N', 'R'];
const TXTYPES = [TXTYPE.credit, TXTYPE.debit];

export class AchParser {
  private header: RecordReader | null = null;
  private readonly detail: RecordReader;
  private trailerSeen = false;
  private count = 0;
  private total = 0n;
  private lastLine = 0;
  tdateIso = '';
  constructor(
    private readonly file: string,
    private readonly encoding: Encoding,
    private readonly cdata: 'ACHP01' | 'ACHR01',
    /** Whole-file parse: every record is at most 160 bytes (the legacy layout test needs all records). */
    private readonly allShort: boolean | null = null,
  ) {
    this.detail = RecordReader.reusable(ACH_DETAIL, encoding, file);
  }

  headerReader(): RecordReader {
    return this.header!;
  }

  push(raw: RawLine): AchDetail | null {
    const { file, encoding } = this;
    this.lastLine = raw.line;
    if (!this.header) {
      let length = raw.bytes.length;
      if (length > 0 && raw.bytes[length - 1] === 0x0d) length--;
      const isV10 =
        length >= 40 && raw.bytes[37] === 0x56 && raw.bytes[38] === 0x31 && raw.bytes[39] === 0x30; /* V10 */
      if (!isV10 && length <= LEGACY_RECORD && this.allShort !== false) {
        throw new FormatParseError({
          file,
          line: raw.line,
          record_type: 'header',
          field: 'verno',
          position: '38-40',
          value: null,
          message: 'legacy ACH layout not supported (160-byte records); only the V10 250-byte layout is',
        });
      }
      // a copy: the header is read again for the trailer check and the result, after later chunks arrived
      const h = RecordReader.read(
        ACH_HEADER,
        new Uint8Array(recordOf(raw, ACH_RECORD, file)),
        encoding,
        file,
        raw.line,
      );
      h.expect('bof', ['BOF']);
      h.expect('verno', [ACH_VERSION]);
      h.expect('cdata', [this.cdata]);
      this.tdateIso = h.roc('tdate');
      if (!/^([01]\d|2[0-3])[0-5]\d[0-5]\d$/.test(h.raw('ttime'))) h.fail('ttime', 'expected a time HHMMSS');
      h.digits('sorg');
      h.digits('rorg');
      this.header = h;
      return null;
    }
    const record = recordOf(raw, ACH_RECORD, file);
    if (this.trailerSeen) lineError(file, raw.line, 'no record may follow the EOF trailer');
    if (record[0] === 0x45 && record[1] === 0x4f && record[2] === 0x46) {
      const t = RecordReader.read(ACH_TRAILER, record, encoding, file, raw.line);
      const h = this.header;
      for (const name of ['cdata', 'tdate', 'sorg', 'rorg'] as const) {
        if (t.raw(name) !== h.raw(name)) t.fail(name, `differs from the header's ${h.raw(name)}`);
      }
      if (t.int('tcount') !== this.count) t.fail('tcount', `the file has ${this.count} detail records`);
      if (BigInt(t.digits('tamt')) !== this.total) t.fail('tamt', `the details add up to ${this.total}`);
      this.trailerSeen = true;
      return null;
    }
    // one reader for every detail, reset per record: the caller uses the detail before the next push()
    const d = this.detail.resetTo(record, raw);
    d.expect('type', this.cdata === 'ACHP01' ? PAYMENT_TYPES : RETURN_TYPES);
    d.expect('txtype', TXTYPES);
    for (const name of ['txid', 'seq', 'pbank', 'pclno', 'rbank', 'rclno']) d.digits(name);
    const amt = d.int('amt');
    if (amt <= 0) d.fail('amt', 'amount must be > 0');
    d.optionalInt('pseq', true);
    d.optionalRoc('pdate');
    this.count++;
    this.total += BigInt(amt);
    return { reader: d, amountDollars: amt };
  }

  finish(): ReconciliationTotals {
    if (!this.header) lineError(this.file, this.lastLine, 'empty file: no BOF header');
    if (!this.trailerSeen) lineError(this.file, this.lastLine, 'the file ends without an EOF trailer');
    return { count: this.count, amount_cents: Number(this.total) * 100 };
  }
}

/** An ACHR01 detail as docs/cli.md prints it, field by field. */
export function achRecord(d: AchDetail, tdateIso: string): ReconciliationRecord {
  const r = d.reader;
  const type = r.raw('type');
  let code = r.text('rcode');
  // on N, RCODE `00` means blank (docs/formats.md: "blank (or 00) on N")
  if (type === 'N' && code === '00') code = null;
  const out: ReconciliationRecord = {
    record_type: type,
    type,
    txtype: r.raw('txtype'),
    txid: r.raw('txid'),
    seq: r.int('seq'),
    pbank: r.raw('pbank'),
    pclno: r.raw('pclno'),
    rbank: r.raw('rbank'),
    rclno: r.raw('rclno'),
    amount_cents: d.amountDollars * 100,
    code,
    cid: r.text('cid'),
    pid: r.text('pid'),
    cno: r.text('cno'),
    note: r.text('note'),
    pdate: r.optionalRoc('pdate'),
    pseq: r.optionalInt('pseq', true),
    transaction_id: r.text('note'),
    date: tdateIso,
  };
  if (code !== null ? !Object.hasOwn(ACH_RETURN_CODES, code) : type === 'R') out.unknown_code = true;
  return out;
}

/** An ACHP01 detail back as a batch.json transaction (what the format carries). */
export function achTransaction(d: AchDetail): PaymentTransaction {
  const r = d.reader;
  const rbank = r.raw('rbank');
  const tx: PaymentTransaction = {
    transaction_id: r.text('note') ?? r.fail('note', 'NOTE (our transaction id) is blank'),
    direction: r.raw('txtype') === TXTYPE.credit ? 'credit' : 'debit',
    txid: r.raw('txid'),
    fisc_code: rbank.slice(0, 3),
    branch_code: rbank.slice(3),
    account_number: r.raw('rclno'),
    amount_cents: d.amountDollars * 100,
    id_number: r.text('pid') ?? '',
  } as PaymentTransaction;
  const cno = r.text('cno');
  if (cno !== null) tx.cno = cno;
  const memo = r.text('memo');
  if (memo !== null) tx.memo = memo;
  return tx;
}

/** The batch.json of an ACHP01 file: what the format carries (no batch number, value date, names). */
export function achPaymentBatch(
  header: RecordReader,
  first: { cid: string | null; pclno: string } | undefined,
  tdateIso: string,
  txs: PaymentTransaction[],
) {
  const t = header.raw('ttime');
  const originator: Partial<PaymentBatchInput['originator']> = {};
  const cid = first?.cid ?? null;
  if (cid !== null) originator.id_number = cid;
  originator.bank_unit = header.raw('sorg');
  if (first) originator.account_number = first.pclno;
  return {
    created_at: `${tdateIso}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+08:00`,
    originator,
    transactions: txs,
  } as unknown as PaymentBatchInput;
}
