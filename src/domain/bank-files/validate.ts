/**
 * Validation of a payment batch for one format (formats.md "Validation of a transaction"). Every error names
 * the transaction, the field and the value, so the payment run can set aside one bad invoice and keep the rest;
 * problems of the batch itself carry `transaction_id: null`.
 */
import type { FileFormat, PaymentBatchInput, PaymentTransaction } from './batch.ts';
import { isValidTaiwanId, isValidUnifiedBusinessNumber } from './checksums.ts';
import { type Encoding, encodeText, firstUnencodable, truncateToBytes } from './encoding.ts';
import type { FieldIssue } from './errors.ts';
import { normaliseBatch } from './normalise.ts';

export const MAX_TRANSACTIONS = 5000;

interface FormatRules {
  accountDigits: number;
  /** Largest amount in cents the detail field holds. */
  maxAmountCents: number;
  /** Largest file total in cents the trailer holds. */
  maxTotalCents: number;
  wholeDollars: boolean;
  txidRequired: boolean;
  /** Text fields the format writes, with their width in bytes (Infinity: no width, csv). */
  text: Array<{ field: keyof PaymentTransaction; bytes: number; required?: boolean }>;
  /** Names are cut at a character boundary with a warning instead of refused. */
  nameBytes: number | null;
}

const RULES: Record<FileFormat, FormatRules> = {
  fixed_width: {
    accountDigits: 14,
    maxAmountCents: 10 ** 13 - 1,
    maxTotalCents: 10 ** 15 - 1,
    wholeDollars: false,
    txidRequired: false,
    text: [
      { field: 'description', bytes: 40 },
      { field: 'customer_reference', bytes: 20 },
    ],
    nameBytes: 30,
  },
  tch_ach: {
    accountDigits: 16,
    maxAmountCents: (10 ** 10 - 1) * 100,
    maxTotalCents: (10 ** 16 - 1) * 100,
    wholeDollars: true,
    txidRequired: true,
    text: [
      { field: 'cno', bytes: 20 },
      { field: 'memo', bytes: 10 },
    ],
    nameBytes: null,
  },
  csv: {
    accountDigits: 14,
    maxAmountCents: Number.MAX_SAFE_INTEGER,
    maxTotalCents: Number.MAX_SAFE_INTEGER,
    wholeDollars: false,
    txidRequired: false,
    text: [
      { field: 'description', bytes: Number.POSITIVE_INFINITY },
      { field: 'customer_reference', bytes: Number.POSITIVE_INFINITY },
    ],
    nameBytes: Number.POSITIVE_INFINITY,
  },
};

export interface ValidationResult {
  errors: FieldIssue[];
  warnings: FieldIssue[];
  /** The batch as it will be written: normalised, names truncated. */
  normalised: PaymentBatchInput;
}

function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function isValidIdForFile(id: string): boolean {
  return /^\d{8}$/.test(id) ? isValidUnifiedBusinessNumber(id) : isValidTaiwanId(id);
}

function checkText(
  issues: FieldIssue[],
  txId: string | null,
  field: string,
  value: string | undefined,
  bytes: number,
  encoding: Encoding,
) {
  if (value === undefined || value === '') return;
  const bad = firstUnencodable(value, encoding);
  if (bad) {
    issues.push({ transaction_id: txId, field, message: `character ${bad} cannot be written in ${encoding}`, value });
    return;
  }
  const length = encodeText(value, encoding)!.length;
  if (length > bytes) {
    issues.push({
      transaction_id: txId,
      field,
      message: `${length} bytes does not fit the ${bytes}-byte field`,
      value,
    });
  }
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
  const batch = normaliseBatch(input);
  const batchError = (field: string, message: string, value?: unknown) =>
    errors.push({ transaction_id: null, field, message, ...(value !== undefined ? { value: String(value) } : {}) });

  if (
    typeof batch.created_at !== 'string' ||
    !/(Z|[+-]\d{2}:?\d{2})$/.test(batch.created_at) ||
    Number.isNaN(Date.parse(batch.created_at))
  ) {
    batchError('created_at', 'must be an ISO timestamp with an offset or Z', batch.created_at);
  }
  if (!isIsoDate(batch.value_date)) batchError('value_date', 'must be a date YYYY-MM-DD', batch.value_date);
  if (!/^\d{3}$/.test(batch.fisc_code ?? '')) batchError('fisc_code', 'must be the 3-digit bank code', batch.fisc_code);
  const count = batch.transactions?.length ?? 0;
  if (count < 1 || count > MAX_TRANSACTIONS) {
    batchError('transactions', `a file holds 1 to ${MAX_TRANSACTIONS} transactions, got ${count}`, count);
  }
  if (format === 'fixed_width') {
    if (!Number.isInteger(batch.file_sequence) || batch.file_sequence < 1 || batch.file_sequence > 999) {
      batchError('file_sequence', 'must be 1–999', batch.file_sequence);
    }
    checkText(errors, null, 'batch_number', batch.batch_number, 20, encoding);
    if (!batch.batch_number) batchError('batch_number', 'required');
    checkText(errors, null, 'originator.company_code', batch.originator?.company_code, 10, encoding);
    checkText(errors, null, 'originator.company_name', batch.originator?.company_name, 40, encoding);
  }
  if (format === 'tch_ach') {
    if (!/^\d{7}$/.test(batch.originator?.bank_unit ?? '')) {
      batchError('originator.bank_unit', 'must be 7 digits (bank + branch)', batch.originator?.bank_unit);
    }
    if (!/^\d{1,16}$/.test(batch.originator?.account_number ?? '')) {
      batchError('originator.account_number', 'must be 1–16 digits', batch.originator?.account_number);
    }
    checkText(errors, null, 'originator.id_number', batch.originator?.id_number, 10, encoding);
  }

  const seen = new Set<string>();
  let total = 0;
  const transactions: PaymentTransaction[] = [];
  for (const tx of batch.transactions ?? []) {
    const id = typeof tx.transaction_id === 'string' ? tx.transaction_id : null;
    const err = (field: string, message: string, value?: unknown) =>
      errors.push({ transaction_id: id, field, message, ...(value !== undefined ? { value: String(value) } : {}) });

    if (!id || !/^[\x21-\x7E]{1,20}$/.test(id)) err('transaction_id', 'must be 1–20 printable ASCII characters', id);
    else if (seen.has(id)) err('transaction_id', 'duplicate transaction id in the file', id);
    if (id) seen.add(id);
    if (tx.direction !== 'credit' && tx.direction !== 'debit')
      err('direction', 'must be credit or debit', tx.direction);
    if (rules.txidRequired && !/^\d{3}$/.test(tx.txid ?? '')) err('txid', 'required: 3 digits', tx.txid);
    if (!/^\d{3}$/.test(tx.fisc_code ?? '')) err('fisc_code', 'bank code must be 3 digits', tx.fisc_code);
    if (!/^\d{4}$/.test(tx.branch_code ?? '')) err('branch_code', 'branch code must be 4 digits', tx.branch_code);
    if (!new RegExp(`^\\d{1,${rules.accountDigits}}$`).test(tx.account_number ?? '')) {
      err('account_number', `must be 1–${rules.accountDigits} digits`, tx.account_number);
    }
    if (typeof tx.id_number !== 'string' || !isValidIdForFile(tx.id_number)) {
      err('id_number', 'not a valid national ID, resident certificate or unified business number', tx.id_number);
    }
    if (!Number.isSafeInteger(tx.amount_cents) || tx.amount_cents <= 0) {
      err('amount_cents', 'must be an integer > 0', tx.amount_cents);
    } else if (tx.amount_cents > rules.maxAmountCents) {
      err('amount_cents', 'does not fit the amount field', tx.amount_cents);
    } else if (rules.wholeDollars && tx.amount_cents % 100 !== 0) {
      err('amount_cents', 'tch_ach amounts are whole NT dollars', tx.amount_cents);
    } else {
      total += tx.amount_cents;
    }
    if (format === 'tch_ach' && tx.direction === 'debit' && !tx.cno) err('cno', 'required for a debit (SD)');

    let holder = tx.account_holder;
    if (typeof holder !== 'string' || holder.length === 0) {
      err('account_holder', 'name required');
    } else if (rules.nameBytes !== null) {
      const bad = firstUnencodable(holder, encoding);
      if (bad) err('account_holder', `character ${bad} cannot be written in ${encoding}`, holder);
      else {
        const cut = truncateToBytes(holder, encoding, rules.nameBytes);
        if (cut.truncated) {
          warnings.push({ transaction_id: id, field: 'account_holder', message: 'truncated', value: holder });
          holder = cut.text;
        }
      }
    }
    // ID numbers are written in every format; they are ASCII once valid
    for (const t of rules.text) {
      checkText(errors, id, t.field, tx[t.field] as string | undefined, t.bytes, encoding);
    }
    transactions.push({ ...tx, account_holder: holder });
  }
  if (total > rules.maxTotalCents) batchError('transactions', 'the file total does not fit the trailer', total);
  return { errors, warnings, normalised: { ...batch, transactions } };
}
