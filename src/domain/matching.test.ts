import { describe, expect, it } from 'vitest';
import { type MatchLookup, matchRecords, type ReconRecord, type SentTransaction } from './matching.ts';

const sent: SentTransaction[] = [
  { id: 1, transaction_id: 'TX1', amount_cents: 150000, status: 'sent', file_date: '2026-11-26', seq: 1 },
  { id: 2, transaction_id: 'TX2', amount_cents: 99900, status: 'sent', file_date: '2026-11-26', seq: 2 },
  { id: 3, transaction_id: 'TX3', amount_cents: 500, status: 'settled', file_date: '2026-11-25', seq: 1 },
];

function lookup(earlier: Record<number, string[]> = {}): MatchLookup {
  return {
    byTransactionId: (id) => sent.find((t) => t.transaction_id === id),
    byDateAndSeq: (date, seq) => sent.find((t) => t.file_date === date && t.seq === seq),
    earlierResults: (id) => new Set(earlier[id] ?? []),
  };
}

function d(transaction_id: string, amount_cents: number, code = '000'): ReconRecord {
  return { record_type: 'D', seq: 1, transaction_id, code, message: null, date: '2026-11-26', amount_cents };
}

describe('matchRecords (house and csv: by transaction id)', () => {
  it('settles on D 000 and returns on R with the reason', () => {
    const r: ReconRecord = { ...d('TX2', 99900, 'R01'), record_type: 'R', message: '餘額不足' };
    const out = matchRecords('fixed_width', [d('TX1', 150000), r], lookup());
    expect(out.map((m) => [m.result, m.newStatus, m.reason])).toEqual([
      ['matched', 'settled', undefined],
      ['matched', 'returned', 'R01 餘額不足'],
    ]);
  });

  it('treats a D with a failure response code as returned', () => {
    const [m] = matchRecords('csv', [{ ...d('TX1', 150000, '002'), message: '餘額不足' }], lookup());
    expect(m).toMatchObject({ result: 'matched', newStatus: 'returned', reason: '002 餘額不足' });
  });

  it('flags an amount that differs from what we sent, without moving the status', () => {
    const [m] = matchRecords('fixed_width', [d('TX1', 150001)], lookup());
    expect(m!.result).toBe('amount_mismatch');
    expect(m!.newStatus).toBeUndefined();
  });

  it('flags a record for no transaction of ours as unmatched', () => {
    expect(matchRecords('fixed_width', [d('TX404', 1)], lookup())[0]!.result).toBe('unmatched');
  });

  it('flags the same record seen in an earlier file, and twice in one file, as duplicates', () => {
    expect(matchRecords('fixed_width', [d('TX3', 500)], lookup({ 3: ['D'] }))[0]!.result).toBe('duplicate');
    const twice = matchRecords('fixed_width', [d('TX1', 150000), d('TX1', 150000)], lookup());
    expect(twice.map((m) => m.result)).toEqual(['matched', 'duplicate']);
  });

  it('accepts a return that arrives after the settlement', () => {
    const r: ReconRecord = { ...d('TX3', 500, 'R02'), record_type: 'R' };
    expect(matchRecords('fixed_width', [r], lookup({ 3: ['D'] }))[0]).toMatchObject({
      result: 'matched',
      newStatus: 'returned',
    });
  });
});

describe('matchRecords (tch_ach: by PDATE and PSEQ, NOTE cross-checked)', () => {
  const ret = (pdate: string, pseq: number, note: string | null, amount = 99900): ReconRecord => ({
    record_type: 'R',
    seq: 7,
    transaction_id: note,
    code: '01',
    message: null,
    date: '2026-11-27',
    amount_cents: amount,
    pdate,
    pseq,
  });

  it('matches on the original date and sequence', () => {
    expect(matchRecords('tch_ach', [ret('2026-11-26', 2, 'TX2')], lookup())[0]).toMatchObject({
      result: 'matched',
      newStatus: 'returned',
      transaction: { id: 2 },
    });
  });

  it('does not apply a record whose NOTE names another transaction', () => {
    expect(matchRecords('tch_ach', [ret('2026-11-26', 2, 'TX1')], lookup())[0]!.result).toBe('unmatched');
  });

  it('does not match on transaction id alone', () => {
    expect(matchRecords('tch_ach', [ret('2026-11-20', 2, 'TX2')], lookup())[0]!.result).toBe('unmatched');
  });
});

describe('matchRecords (tch_ach N records)', () => {
  it('settles an N record without a return code', () => {
    const n: ReconRecord = {
      record_type: 'N',
      seq: 1,
      transaction_id: 'TX1',
      code: null,
      message: null,
      date: '2026-11-26',
      amount_cents: 150000,
      pdate: '2026-11-26',
      pseq: 1,
    };
    expect(matchRecords('tch_ach', [n], lookup())[0]).toMatchObject({ result: 'matched', newStatus: 'settled' });
  });
});
