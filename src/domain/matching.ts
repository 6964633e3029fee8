/**
 * Matching reconciliation records to the transactions we sent (docs/formats.md, "Matching reconciliation records").
 *
 * - house (`fixed_width`) and `csv`: by transaction id;
 * - `tch_ach`: by (PDATE, PSEQ), the original file date and sequence, with NOTE (our transaction id) as a
 *   cross-check: a record whose NOTE names another transaction is not applied.
 * A matched record whose amount differs from the transaction's is an `amount_mismatch` (its account: an
 * `account_mismatch`); a record with a code the bank's table does not know is `unknown_code` (the status is
 * left for the operator); a record already seen
 * for the same transaction (in this file or an earlier one) is a `duplicate`; a record matching nothing is
 * `unmatched`. Only a clean `matched` record moves a transaction's status.
 *
 * Outcome of a matched record: D with response code 000 (tch_ach: N with no RCODE) settles; any other D code, and every R, returns the
 * transaction with that code as the reason. A return after a settlement is allowed (returns come later than
 * the settlement in real life); anything else after a final status is a duplicate.
 */

export interface ReconRecord {
  record_type: string;
  seq: number | null;
  transaction_id: string | null;
  code: string | null;
  message: string | null;
  date: string | null;
  amount_cents: number | null;
  /** tch_ach only: original presentation date and sequence. */
  pdate?: string | null;
  pseq?: number | null;
  /** The return code is not in the bank's table: the record is kept for the operator, never applied. */
  unknown_code?: boolean;
  /** The account the bank says it paid or debited, where the record carries one. */
  account_number?: string | null;
}

export interface SentTransaction {
  id: number;
  transaction_id: string;
  amount_cents: number;
  status: string;
  /** tch_ach: the TDATE of the file it was sent in (Asia/Taipei, YYYY-MM-DD) and its SEQ there. */
  file_date: string;
  seq: number;
  /** Last 4 digits of the account we sent, to cross-check a record that names an account. */
  account_last4?: string;
}

export type MatchResult =
  | 'matched'
  | 'unmatched'
  | 'amount_mismatch'
  | 'account_mismatch'
  | 'unknown_code'
  | 'duplicate';

export interface RecordMatch {
  result: MatchResult;
  transaction?: SentTransaction;
  /** For a clean match: the status the transaction moves to. */
  newStatus?: 'settled' | 'returned';
  reason?: string;
}

export interface MatchLookup {
  byTransactionId(id: string): SentTransaction | undefined;
  byDateAndSeq(date: string, seq: number): SentTransaction | undefined;
  /** Result kinds already recorded for a transaction in earlier files ('D' / 'R'). */
  earlierResults(transactionDbId: number): ReadonlySet<string>;
}

const SUCCESS_CODE = '000';

function outcomeOf(record: ReconRecord): { status: 'settled' | 'returned'; kind: 'D' | 'R' } {
  if (record.record_type === 'D' && (record.code ?? SUCCESS_CODE) === SUCCESS_CODE) {
    return { status: 'settled', kind: 'D' };
  }
  // tch_ach: an N record in an ACHR01 file is a processed entry; with no RCODE (blank or 00) it went through
  if (record.record_type === 'N' && (record.code === null || record.code === '00')) {
    return { status: 'settled', kind: 'D' };
  }
  return { status: 'returned', kind: record.record_type === 'D' || record.record_type === 'N' ? 'D' : 'R' };
}

function locate(format: string, record: ReconRecord, lookup: MatchLookup): RecordMatch | SentTransaction {
  if (format !== 'tch_ach') {
    const tx = record.transaction_id ? lookup.byTransactionId(record.transaction_id) : undefined;
    return tx ?? { result: 'unmatched', reason: `no transaction ${record.transaction_id ?? '(blank id)'}` };
  }
  if (!record.pdate || record.pseq == null) {
    return { result: 'unmatched', reason: 'return record without PDATE/PSEQ' };
  }
  const tx = lookup.byDateAndSeq(record.pdate, record.pseq);
  if (!tx) return { result: 'unmatched', reason: `no transaction sent on ${record.pdate} with SEQ ${record.pseq}` };
  if (record.transaction_id && record.transaction_id !== tx.transaction_id) {
    return {
      result: 'unmatched',
      reason: `PDATE/PSEQ ${record.pdate}/${record.pseq} is ${tx.transaction_id} but NOTE says ${record.transaction_id}`,
    };
  }
  return tx;
}

/** Matches the records of one file, in file order; results within the file count for later records. */
export function matchRecords(format: string, records: readonly ReconRecord[], lookup: MatchLookup): RecordMatch[] {
  const seenInFile = new Map<number, Set<string>>();
  return records.map((record) => {
    const found = locate(format, record, lookup);
    if (!('transaction_id' in found && 'id' in found)) return found as RecordMatch;
    const tx = found as SentTransaction;
    const { status, kind } = outcomeOf(record);
    // What mismatched is named first, whether or not the transaction already has a result: an amount or an
    // account that differs is a different problem from a record seen twice.
    if (record.amount_cents !== tx.amount_cents) {
      return {
        result: 'amount_mismatch',
        transaction: tx,
        reason: `${tx.transaction_id}: bank reports ${record.amount_cents ?? 'no amount'} cents, we sent ${tx.amount_cents}`,
      };
    }
    const account = record.account_number?.replace(/^0+(?=\d{4})/, '') ?? '';
    if (account !== '' && tx.account_last4 && account.slice(-4) !== tx.account_last4.slice(-4)) {
      return {
        result: 'account_mismatch',
        transaction: tx,
        reason: `${tx.transaction_id}: bank reports account ending ${account.slice(-4)}, we sent one ending ${tx.account_last4.slice(-4)}`,
      };
    }
    // A code the bank's table does not know says nothing certain: the status stays for the operator to decide.
    if (record.unknown_code) {
      return {
        result: 'unknown_code',
        transaction: tx,
        reason: `${tx.transaction_id}: unknown ${record.record_type} code ${record.code ?? '(blank)'}; status left ${tx.status}`,
      };
    }
    const earlier = new Set([...lookup.earlierResults(tx.id), ...(seenInFile.get(tx.id) ?? [])]);
    const returnAfterSettlement = kind === 'R' && !earlier.has('R') && earlier.has('D');
    if (earlier.size > 0 && !returnAfterSettlement) {
      return {
        result: 'duplicate',
        transaction: tx,
        reason: `${tx.transaction_id} already has a ${[...earlier]} result`,
      };
    }
    seenInFile.set(tx.id, new Set([...(seenInFile.get(tx.id) ?? []), kind]));
    return {
      result: 'matched',
      transaction: tx,
      newStatus: status,
      ...(status === 'returned' ? { reason: `${record.code ?? ''} ${record.message ?? ''}`.trim() } : {}),
    };
  });
}
