/**
 * NFKC normalisation (full-width -> ASCII) of the fields formats.md lists, applied before validation and
 * written normalised: id numbers (the originator's too), account numbers (then `-` and spaces removed), bank
 * and branch codes, customer reference, CNO. Everything else (transaction id, name, description, memo, company
 * fields) is written exactly as given. Non-string values are left alone for the validator to report.
 */
import type { PaymentBatchInput, PaymentTransaction } from './types.ts';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** NFKC leaves printable ASCII alone: skip the (slow) normalisation on the common path. */
function nfkc<T>(value: T): T {
  if (typeof value !== 'string' || PRINTABLE_ASCII.test(value)) return value;
  return value.normalize('NFKC') as T;
}

const SEPARATORS = /[-\s]/g;
const HAS_SEPARATOR = /[-\s]/;

function account<T>(value: T): T {
  if (typeof value !== 'string') return value;
  const s = nfkc(value);
  return (HAS_SEPARATOR.test(s) ? s.replace(SEPARATORS, '') : s) as T;
}

export function normaliseTransaction(tx: PaymentTransaction): PaymentTransaction {
  // `bank_code` is accepted as another name for the counterparty's `fisc_code` (formats.md calls it bank code)
  const bank = tx.fisc_code ?? (tx as { bank_code?: string }).bank_code;
  const out: PaymentTransaction = {
    ...tx,
    fisc_code: nfkc(bank),
    branch_code: nfkc(tx.branch_code),
    account_number: account(tx.account_number),
    id_number: nfkc(tx.id_number),
  };
  if (tx.customer_reference !== undefined) out.customer_reference = nfkc(tx.customer_reference);
  if (tx.cno !== undefined) out.cno = nfkc(tx.cno);
  return out;
}

export function normaliseBatch(batch: PaymentBatchInput): PaymentBatchInput {
  const originator = batch.originator ?? ({} as PaymentBatchInput['originator']);
  return {
    ...batch,
    fisc_code: nfkc(batch.fisc_code),
    originator: {
      ...originator,
      id_number: nfkc(originator.id_number),
      account_number: account(originator.account_number),
      bank_unit: nfkc(originator.bank_unit),
    },
    transactions: Array.isArray(batch.transactions) ? batch.transactions.map(normaliseTransaction) : [],
  };
}
