/**
 * Golden files, byte for byte. The expected bytes are rebuilt here from the spec's field tables by hand (explicit
 * positions, zero/space padding, CP950 with 十 = A451), independently of the writer, and must equal both the
 * committed fixture and the writer's output; parsing the fixture must give the committed JSON.
 */
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { generatePaymentFile, generateReconciliationFile, parsePaymentFile, parseReconciliationFile } from './index.ts';

const dir = 'test/fixtures/formats';
const fixture = (name: string) => new Uint8Array(readFileSync(`${dir}/${name}`));
const json = (name: string) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));

function big5(text: string): Buffer {
  return Buffer.concat([...text].map((ch) => (ch === '十' ? Buffer.from([0xa4, 0x51]) : iconv.encode(ch, 'cp950'))));
}

/** One record from [start, length, type, value] cells, checked to tile the record. */
function record(length: number, cells: Array<[number, number, '9' | 'X', string | number]>): Buffer {
  const out = Buffer.alloc(length, 0x20);
  let next = 1;
  for (const [start, len, type, value] of cells) {
    expect(start).toBe(next);
    next = start + len;
    const bytes = type === '9' ? Buffer.from(String(value).padStart(len, '0')) : big5(String(value));
    expect(bytes.length).toBeLessThanOrEqual(len);
    bytes.copy(out, start - 1);
  }
  expect(next).toBe(length + 1);
  return Buffer.concat([out, Buffer.from('\r\n')]);
}

const batch = json('batch-ctbc.json');

describe('golden payment files', () => {
  it('fixed_width', () => {
    const expected = Buffer.concat([
      record(200, [
        [1, 1, 'X', 'H'],
        [2, 20, 'X', 'CTBC202611260001'],
        [22, 8, '9', '20261126'],
        [30, 6, '9', '060000'],
        [36, 10, 'X', 'LUCKYGAS'],
        [46, 40, 'X', '幸福氣體有限公司'],
        [86, 3, '9', '822'],
        [89, 3, '9', 1],
        [92, 3, 'X', '1.0'],
        [95, 106, 'X', ''],
      ]),
      ...[
        ['000001', 'TX20261126000001', '27', '822', '0901', '123456789012', '王小明', 150000, 'A123456789'],
        ['000002', 'TX20261126000002', '22', '004', '0012', '0012345678', '陳恒毅', 99900, 'A800000014'],
      ].map(([seq, id, type, bank, branch, account, name, amount, idn], i) =>
        record(200, [
          [1, 1, 'X', 'D'],
          [2, 6, '9', seq!],
          [8, 20, 'X', id!],
          [28, 2, '9', type!],
          [30, 3, '9', bank!],
          [33, 4, '9', branch!],
          [37, 14, '9', account!],
          [51, 30, 'X', name!],
          [81, 13, '9', amount!],
          [94, 8, '9', '20261126'],
          [102, 10, 'X', idn!],
          [112, 40, 'X', i === 0 ? '瓦斯費 2026-11' : '貨款, "十一月"'],
          [152, 20, 'X', i === 0 ? 'C000123' : 'C000124'],
          [172, 29, 'X', ''],
        ]),
      ),
      record(200, [
        [1, 1, 'X', 'T'],
        [2, 6, '9', 2],
        [8, 15, '9', 249900],
        [23, 15, '9', 56789012 + 12345678],
        [38, 163, 'X', ''],
      ]),
    ]);
    expect(expected.equals(fixture('payment-fixed_width.golden'))).toBe(true);
    const { bytes } = generatePaymentFile('fixed_width', batch, { encoding: 'Big5' });
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    expect(parsePaymentFile('fixed_width', bytes, { encoding: 'Big5', fileName: 'PAY.txt' })).toEqual(
      json('payment-fixed_width.parsed.json'),
    );
  });

  it('tch_ach (ACHP01)', () => {
    const header = (kind: 'BOF' | 'EOF') =>
      kind === 'BOF'
        ? record(250, [
            [1, 3, 'X', 'BOF'],
            [4, 6, 'X', 'ACHP01'],
            [10, 8, '9', '01151126'],
            [18, 6, '9', '060000'],
            [24, 7, '9', '8220901'],
            [31, 7, '9', '9990250'],
            [38, 3, 'X', 'V10'],
            [41, 210, 'X', ''],
          ])
        : record(250, [
            [1, 3, 'X', 'EOF'],
            [4, 6, 'X', 'ACHP01'],
            [10, 8, '9', '01151126'],
            [18, 7, '9', '8220901'],
            [25, 7, '9', '9990250'],
            [32, 8, '9', 2],
            [40, 16, '9', 1500 + 999],
            [56, 8, 'X', ''],
            [64, 187, 'X', ''],
          ]);
    const detail = (
      txtype: string,
      txid: string,
      seq: number,
      rbank: string,
      rclno: string,
      amt: number,
      pid: string,
      cno: string,
      note: string,
    ) =>
      record(250, [
        [1, 1, 'X', 'N'],
        [2, 2, 'X', txtype],
        [4, 3, '9', txid],
        [7, 8, '9', seq],
        [15, 7, '9', '8220901'],
        [22, 16, '9', '09010001234567'],
        [38, 7, '9', rbank],
        [45, 16, '9', rclno],
        [61, 10, '9', amt],
        [71, 2, 'X', ''],
        [73, 1, 'X', 'B'],
        [74, 10, 'X', '04595257'],
        [84, 10, 'X', pid],
        [94, 6, 'X', ''],
        [100, 8, 'X', ''],
        [108, 8, 'X', ''],
        [116, 1, 'X', ''],
        [117, 20, 'X', cno],
        [137, 40, 'X', note],
        [177, 10, 'X', ''],
        [187, 5, '9', '00000'],
        [192, 20, 'X', ''],
        [212, 39, 'X', ''],
      ]);
    const expected = Buffer.concat([
      header('BOF'),
      detail('SD', '904', 1, '8220901', '123456789012', 1500, 'A123456789', 'C000123', 'TX20261126000001'),
      detail('SC', '405', 2, '0040012', '0012345678', 999, 'A800000014', '', 'TX20261126000002'),
      header('EOF'),
    ]);
    expect(expected.equals(fixture('payment-tch_ach.golden'))).toBe(true);
    const { bytes } = generatePaymentFile('tch_ach', batch, { encoding: 'Big5' });
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    // ACHP01 carries no value date (TDATE is created_at's day): the shared fixture's value_date is not expected
    const { value_date: _notCarried, ...expectedBatch } = json('payment-tch_ach.parsed.json');
    expect(parsePaymentFile('tch_ach', bytes, { encoding: 'Big5', fileName: 'ACHP01.txt' })).toEqual(expectedBatch);
  });

  it('csv (UTF-8, quoted only when needed, TOTAL row)', () => {
    const expected = Buffer.from(
      'seq,transaction_id,direction,bank_code,branch_code,account_number,account_holder,amount,value_date,id_number,description,customer_reference\r\n' +
        '1,TX20261126000001,debit,822,0901,123456789012,王小明,1500.00,2026-11-26,A123456789,瓦斯費 2026-11,C000123\r\n' +
        '2,TX20261126000002,credit,004,0012,0012345678,陳恒毅,999.00,2026-11-26,A800000014,"貨款, ""十一月""",C000124\r\n' +
        'TOTAL,2,,,,,,2499.00,,,,\r\n',
      'utf8',
    );
    expect(expected.equals(fixture('payment-csv.golden'))).toBe(true);
    const { bytes } = generatePaymentFile('csv', batch, { encoding: 'UTF-8' });
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    expect(parsePaymentFile('csv', bytes, { encoding: 'UTF-8', fileName: 'PAY.csv' })).toEqual(
      json('payment-csv.parsed.json'),
    );
  });
});

describe('golden reconciliation files', () => {
  it('fixed_width D and R records (unknown reason kept and flagged)', () => {
    const expected = Buffer.concat([
      record(200, [
        [1, 1, 'X', 'D'],
        [2, 6, '9', 1],
        [8, 20, 'X', 'TX20261126000001'],
        [28, 20, 'X', 'B00000001'],
        [48, 3, '9', '000'],
        [51, 8, '9', '20261126'],
        [59, 13, '9', 150000],
        [72, 40, 'X', '交易成功'],
        [112, 89, 'X', ''],
      ]),
      ...[
        [2, 'TX20261126000002', 'R01', 99900, '餘額不足'],
        [3, 'TX20261126000003', 'R55', 5, '許功蓋'],
      ].map(([seq, id, code, amount, message]) =>
        record(200, [
          [1, 1, 'X', 'R'],
          [2, 6, '9', seq!],
          [8, 20, 'X', id!],
          [28, 3, 'X', code!],
          [31, 8, '9', '20261127'],
          [39, 13, '9', amount!],
          [52, 40, 'X', message!],
          [92, 109, 'X', ''],
        ]),
      ),
    ]);
    expect(expected.equals(fixture('recon-fixed_width.golden'))).toBe(true);
    const written = generateReconciliationFile('fixed_width', json('recon-fixed_width.json'), { encoding: 'Big5' });
    expect(Buffer.from(written).equals(expected)).toBe(true);
    const parsed = parseReconciliationFile('fixed_width', expected, { encoding: 'Big5', fileName: 'REC.txt' });
    expect(parsed).toEqual(json('recon-fixed_width.parsed.json'));
    expect(parsed.records[2]).toMatchObject({ code: 'R55', unknown_code: true, message: '許功蓋' });
    expect(parsed.records[0]).not.toHaveProperty('unknown_code');
  });

  it('tch_ach ACHR01 R records carry the original PDATE/PSEQ/PSCHD', () => {
    const detail = (
      txtype: string,
      txid: string,
      seq: number,
      pbank: string,
      pclno: string,
      amt: number,
      rcode: string,
      cid: string,
      cno: string,
      note: string,
    ) =>
      record(250, [
        [1, 1, 'X', 'R'],
        [2, 2, 'X', txtype],
        [4, 3, '9', txid],
        [7, 8, '9', seq],
        [15, 7, '9', pbank],
        [22, 16, '9', pclno],
        [38, 7, '9', '8220901'],
        [45, 16, '9', '0009010001234567'],
        [61, 10, '9', amt],
        [71, 2, 'X', rcode],
        [73, 1, 'X', 'B'],
        [74, 10, 'X', cid],
        [84, 10, 'X', '04595257'],
        [94, 6, 'X', ''],
        [100, 8, '9', '01151126'],
        [108, 8, '9', seq],
        [116, 1, 'X', 'B'],
        [117, 20, 'X', cno],
        [137, 40, 'X', note],
        [177, 10, 'X', ''],
        [187, 5, '9', '00000'],
        [192, 20, 'X', ''],
        [212, 39, 'X', ''],
      ]);
    const expected = Buffer.concat([
      record(250, [
        [1, 3, 'X', 'BOF'],
        [4, 6, 'X', 'ACHR01'],
        [10, 8, '9', '01151127'],
        [18, 6, '9', '093000'],
        [24, 7, '9', '9990250'],
        [31, 7, '9', '8220901'],
        [38, 3, 'X', 'V10'],
        [41, 210, 'X', ''],
      ]),
      detail('SD', '904', 1, '8220901', '123456789012', 1500, '01', 'A123456789', 'C000123', 'TX20261126000001'),
      detail('SC', '405', 2, '0040012', '12345678', 999, '77', 'A800000014', '', 'TX20261126000002'),
      record(250, [
        [1, 3, 'X', 'EOF'],
        [4, 6, 'X', 'ACHR01'],
        [10, 8, '9', '01151127'],
        [18, 7, '9', '9990250'],
        [25, 7, '9', '8220901'],
        [32, 8, '9', 2],
        [40, 16, '9', 2499],
        [56, 8, 'X', ''],
        [64, 187, 'X', ''],
      ]),
    ]);
    expect(expected.equals(fixture('recon-tch_ach.golden'))).toBe(true);
    const written = generateReconciliationFile('tch_ach', json('recon-tch_ach.json'), { encoding: 'Big5' });
    expect(Buffer.from(written).equals(expected)).toBe(true);
    const parsed = parseReconciliationFile('tch_ach', expected, { encoding: 'Big5', fileName: 'ACHR01.txt' });
    expect(parsed).toEqual(json('recon-tch_ach.parsed.json'));
    expect(parsed.records[1]).toMatchObject({ code: '77', unknown_code: true, pdate: '2026-11-26', pseq: 2 });
  });

  it('csv without a TOTAL row', () => {
    const expected = Buffer.from(
      'record_type,seq,transaction_id,bank_reference,code,message,date,amount\r\n' +
        'D,1,TX20261126000001,B00000001,000,交易成功,2026-11-26,1500.00\r\n' +
        'R,2,TX20261126000002,,R01,餘額不足,2026-11-27,999.00\r\n' +
        'R,3,TX20261126000003,,R55,許功蓋,2026-11-27,0.05\r\n',
      'utf8',
    );
    expect(expected.equals(fixture('recon-csv.golden'))).toBe(true);
    const written = generateReconciliationFile('csv', json('recon-csv.json'), { encoding: 'UTF-8' });
    expect(Buffer.from(written).equals(expected)).toBe(true);
    expect(parseReconciliationFile('csv', expected, { encoding: 'UTF-8', fileName: 'REC.csv' })).toEqual(
      json('recon-csv.parsed.json'),
    );
  });
});
