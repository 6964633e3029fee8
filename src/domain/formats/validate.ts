/**
 * Validation of a payment batch for one format (docs/formats.md "Validation of a transaction"). Every error names the
 * transaction, the field and the value, so the payment run can set aside one bad invoice and keep the rest;
 * problems of the batch itself carry `transaction_id: null`. Account numbers in `value` are masked to the last 4.
 */
import { isDigits, printableAsciiHash } from './chars.ts';
import { isValidTaiwanId, isValidUnifiedBusinessNumber } from './checksums.ts';
import { isIsoDate, isOffsetTimestamp, OFFSET_TIMESTAMP } from './dates.ts';
import { encodedLength, firstUnencodable, truncateToBytes } from './encoding.ts';
import { TransactionIdSet } from './id-set.ts';
import { isNfkcStable, normaliseBatch, normaliseTransaction } from './normalise.ts';
import type { Encoding, FieldIssue, FileFormat, PaymentBatchInput, PaymentTransaction } from './types.ts';

export const MAX_TRANSACTIONS = 5000;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

type TextField = 'account_holder' | 'description' | 'customer_reference' | 'cno' | 'memo';

interface FormatRules {
  accountDigits: number;
  /** Largest amount (cents) the detail's amount field holds. */
  maxAmountCents: number;
  /** Largest file total (cents) the trailer holds. */
  maxTotalCents: number;
  wholeDollars: boolean;
  /** Text fields the format writes and their widths in bytes (Infinity for csv). Names are cut, others refused. */
  text: Partial<Record<TextField, number>>;
  /** Fixed-width records cannot hold control characters (a LF would split the record). */
  fixed: boolean;
}

const RULES: Record<FileFormat, FormatRules> = {
  fixed_width: {
    accountDigits: 14,
    maxAmountCents: 10 ** 13 - 1,
    maxTotalCents: 10 ** 15 - 1,
    wholeDollars: false,
    text: { account_holder: 30, description: 40, customer_reference: 20 },
    fixed: true,
  },
  tch_ach: {
    accountDigits: 16,
    maxAmountCents: (10 ** 10 - 1) * 100,
    // TAMT is 16 digits of dollars; 5,000 maximal AMTs stay far below, the cap keeps cents a safe integer
    maxTotalCents: Number.MAX_SAFE_INTEGER,
    wholeDollars: true,
    text: { cno: 20, memo: 10 },
    fixed: true,
  },
  csv: {
    accountDigits: 14,
    maxAmountCents: Number.MAX_SAFE_INTEGER,
    maxTotalCents: Number.MAX_SAFE_INTEGER,
    wholeDollars: false,
    text: {
      account_holder: Number.POSITIVE_INFINITY,
      description: Number.POSITIVE_INFINITY,
      customer_reference: Number.POSITIVE_INFINITY,
    },
    fixed: false,
  },
};

export interface ValidationResult {
  errors: FieldIssue[];
  warnings: FieldIssue[];
  /** The batch as it will be written: normalised, names cut to their field. */
  normalised: PaymentBatchInput;
}

/** Taiwan national ID / resident certificate (new and old) or unified business number, checksum included. */
export function isValidIdNumber(id: unknown): boolean {
  if (typeof id !== 'string') return false;
  return isDigits(id, 8, 8) ? isValidUnifiedBusinessNumber(id) : isValidTaiwanId(id);
}

function issue(list: FieldIssue[], id: string | null, field: string, message: string, value?: unknown): void {
  const out: FieldIssue = { transaction_id: id, field, message };
  if (value !== undefined) out.value = show(value);
  list.push(out);
}

/**
 * The one rule for a required value, in every format and the API: null, absent, empty and whitespace-only all
 * mean "not given" (docs/operations.md, Required fields).
 */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

function maskAccount(value: unknown): string {
  const s = show(value);
  return s.length <= 4 ? s : `${'*'.repeat(Math.min(s.length - 4, 12))}${s.slice(-4)}`;
}

function describeChar(ch: string): string {
  return `${ch} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** Checks one text field against its width and the file's encoding; returns the error message or null. */
function textProblem(value: string, bytes: number, encoding: Encoding, fixed: boolean): string | null {
  const length = encodedLength(value, encoding, fixed);
  if (length === -1 || (length === -2 && firstUnencodable(value, encoding) !== null)) {
    return `character ${describeChar(firstUnencodable(value, encoding)!)} cannot be written in ${encoding}`;
  }
  if (length === -2) return 'control characters cannot be written in a fixed-width record';
  if (length > bytes) return `${length} bytes do not fit the ${bytes}-byte field`;
  return null;
}

export function validatePaymentBatch(
  format: FileFormat,
  input: PaymentBatchInput,
  options: { encoding: Encoding },
): ValidationResult {
  const rules = RULES[format];
  const { encoding } = options;
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  // the normalised batch holds this list from the start and the loop fills it: `{ ...batch, transactions }` at the
  // end, or a store of the list into `batch` there, deoptimised this function at the end of every batch (a map
  // that differs from call to call), so the next batch's loop started unoptimised
  const transactions: PaymentTransaction[] = [];
  const batch = normaliseBatch(input ?? ({} as PaymentBatchInput), transactions);
  const given = Array.isArray(input?.transactions) ? input.transactions : [];
  const batchError = (field: string, message: string, value?: unknown) => issue(errors, null, field, message, value);
  const batchText = (field: string, value: unknown, bytes: number, required: boolean) => {
    if (isBlank(value)) {
      if (required) batchError(field, 'required');
      return;
    }
    if (typeof value !== 'string') return batchError(field, 'must be text', value);
    const problem = textProblem(value, bytes, encoding, rules.fixed);
    if (problem) batchError(field, problem, value);
  };

  if (typeof batch.created_at !== 'string' || !OFFSET_TIMESTAMP.test(batch.created_at)) {
    batchError('created_at', 'must be an ISO timestamp with an offset or Z', batch.created_at);
  } else if (!isOffsetTimestamp(batch.created_at)) {
    batchError('created_at', 'not a valid date and time', batch.created_at);
  }
  if (format !== 'tch_ach' || batch.value_date !== undefined) {
    if (!isIsoDate(batch.value_date)) batchError('value_date', 'must be a date YYYY-MM-DD', batch.value_date);
  }
  const count = Array.isArray(input?.transactions) ? input.transactions.length : 0;
  if (count < 1 || count > MAX_TRANSACTIONS) {
    batchError('transactions', `a file holds 1 to ${MAX_TRANSACTIONS} transactions, got ${count}`, count);
  }
  if (format === 'fixed_width') {
    if (typeof batch.fisc_code !== 'string' || !/^\d{3}$/.test(batch.fisc_code)) {
      batchError('fisc_code', 'must be the 3-digit bank code', batch.fisc_code);
    }
    const seq = batch.file_sequence;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || seq > 999) {
      batchError('file_sequence', 'must be an integer 1–999', seq);
    }
    batchText('batch_number', batch.batch_number, 20, true);
    batchText('originator.company_code', batch.originator.company_code, 10, false);
    batchText('originator.company_name', batch.originator.company_name, 40, false);
  }
  if (format === 'tch_ach') {
    const o = batch.originator;
    if (typeof o.bank_unit !== 'string' || !/^\d{7}$/.test(o.bank_unit)) {
      batchError('originator.bank_unit', 'must be 7 digits (bank + branch)', o.bank_unit);
    }
    if (typeof o.account_number !== 'string' || !/^\d{1,16}$/.test(o.account_number)) {
      batchError('originator.account_number', 'must be 1–16 digits', maskAccount(o.account_number));
    }
    if (!isValidIdNumber(o.id_number)) {
      batchError('originator.id_number', 'not a valid unified business number or ID number', o.id_number);
    }
  }

  // the value is passed in, not read as tx[name]: a property read by a variable name goes megamorphic per transaction
  const checkText = (id: string | null, name: Exclude<TextField, 'account_holder'>, value: unknown, width: number) => {
    if (isBlank(value)) return;
    if (typeof value !== 'string') return issue(errors, id, name, 'must be text', value);
    const problem = textProblem(value, width, encoding, rules.fixed);
    if (problem) issue(errors, id, name, problem, value);
  };

  const seen = new TransactionIdSet(given.length);
  let total = 0;
  for (const item of given) {
    if (item === null || typeof item !== 'object') {
      batchError('transactions', 'each transaction must be an object', item);
      continue;
    }
    // A field that passes its check as given is ASCII, which NFKC leaves alone: normalising, then checking again,
    // is needed only when a normalised field fails its check (or a reference is not printable ASCII). The checks
    // of the normalised transaction are the ones reported, as when normalisation came first.
    let tx = item;
    let bankOk = isDigits(tx.fisc_code, 3, 3);
    let branchOk = isDigits(tx.branch_code, 4, 4);
    let accountOk = isDigits(tx.account_number, 1, rules.accountDigits);
    let idNumberOk = isValidIdNumber(tx.id_number);
    // printable ASCII or absent: then its width in bytes is its length, in either encoding
    let referenceAscii = isNfkcStable(tx.customer_reference);
    if (!(bankOk && branchOk && accountOk && idNumberOk && referenceAscii && isNfkcStable(tx.cno))) {
      tx = normaliseTransaction(item);
      if (tx !== item) {
        referenceAscii = false;
        bankOk = isDigits(tx.fisc_code, 3, 3);
        branchOk = isDigits(tx.branch_code, 4, 4);
        accountOk = isDigits(tx.account_number, 1, rules.accountDigits);
        idNumberOk = isValidIdNumber(tx.id_number);
      }
    }
    const id = typeof tx.transaction_id === 'string' ? tx.transaction_id : null;

    const idHash = id === null || id.length < 1 || id.length > 20 ? -1 : printableAsciiHash(id);
    if (idHash < 0) {
      issue(errors, id, 'transaction_id', 'must be 1–20 printable ASCII characters without spaces', tx.transaction_id);
    } else if (!seen.add(id!, idHash)) {
      issue(errors, id, 'transaction_id', 'duplicate transaction id in the file', id);
    }
    if (tx.direction !== 'credit' && tx.direction !== 'debit') {
      issue(errors, id, 'direction', 'must be credit or debit', tx.direction);
    }
    if (format === 'tch_ach' && !isDigits(tx.txid, 3, 3)) {
      issue(errors, id, 'txid', 'required for tch_ach: 3 digits', tx.txid);
    }
    if (!bankOk) {
      issue(errors, id, 'fisc_code', 'bank code must be 3 digits', tx.fisc_code);
    }
    if (!branchOk) {
      issue(errors, id, 'branch_code', 'branch code must be 4 digits', tx.branch_code);
    }
    if (!accountOk) {
      issue(errors, id, 'account_number', `must be 1–${rules.accountDigits} digits`, maskAccount(tx.account_number));
    }
    if (!idNumberOk) {
      issue(
        errors,
        id,
        'id_number',
        'not a valid national ID, resident certificate or unified business number',
        tx.id_number,
      );
    }
    const amount = tx.amount_cents;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      issue(errors, id, 'amount_cents', 'must be an integer number of cents > 0', amount);
    } else if (amount > rules.maxAmountCents) {
      issue(errors, id, 'amount_cents', 'does not fit the amount field', amount);
    } else if (rules.wholeDollars && amount % 100 !== 0) {
      issue(errors, id, 'amount_cents', 'tch_ach amounts are whole NT dollars', amount);
    } else {
      total += amount;
    }
    if (format === 'tch_ach' && tx.direction === 'debit' && isBlank(tx.cno)) {
      issue(errors, id, 'cno', 'required for a debit (SD)');
    }

    let holder = tx.account_holder;
    if (typeof holder !== 'string' || isBlank(holder)) {
      issue(errors, id, 'account_holder', 'name required', holder);
    } else if (rules.text.account_holder !== undefined) {
      const length = encodedLength(holder, encoding, rules.fixed);
      const problem = length < 0 ? textProblem(holder, Number.POSITIVE_INFINITY, encoding, rules.fixed) : null;
      if (problem) issue(errors, id, 'account_holder', problem, holder);
      else if (length > rules.text.account_holder) {
        issue(warnings, id, 'account_holder', 'truncated', holder);
        holder = truncateToBytes(holder, encoding, rules.text.account_holder).text;
      }
    }
    if (rules.text.description !== undefined) checkText(id, 'description', tx.description, rules.text.description);
    const referenceWidth = rules.text.customer_reference;
    if (referenceWidth !== undefined) {
      const reference = tx.customer_reference;
      // a fitting printable ASCII reference has nothing to report: skip the check's second pass over it
      if (!(referenceAscii && typeof reference === 'string' && reference.length <= referenceWidth)) {
        checkText(id, 'customer_reference', reference, referenceWidth);
      }
    }
    if (rules.text.cno !== undefined) checkText(id, 'cno', tx.cno, rules.text.cno);
    if (rules.text.memo !== undefined) checkText(id, 'memo', tx.memo, rules.text.memo);
    // the normalised object is already a copy whenever normalisation changed something; copy again only to cut the name
    transactions.push(holder === tx.account_holder ? tx : { ...tx, account_holder: holder });
  }
  if (total > rules.maxTotalCents) batchError('transactions', 'the file total does not fit the trailer', total);
  return { errors, warnings, normalised: batch };
}
