/**
 * NFKC normalisation (full-width -> ASCII) of the fields docs/formats.md lists, applied before validation and
 * written normalised: id numbers (the originator's too), account numbers (then `-` and spaces removed), bank
 * and branch codes, customer reference, CNO. Everything else (transaction id, name, description, memo, company
 * fields) is written exactly as given. Non-string values are left alone for the validator to report.
 */
import { allInRange, hasSeparator, isDigits } from './chars.ts';
import type { PaymentBatchInput, PaymentTransaction } from './types.ts';

/** NFKC leaves printable ASCII alone: skip the (slow) normalisation on the common path. */
function nfkc<T>(value: T): T {
  if (typeof value !== 'string' || allInRange(value, 0x20, 0x7e)) return value;
  return value.normalize('NFKC') as T;
}

const SEPARATORS = /[-\s]/g;

function account<T>(value: T): T {
  if (typeof value !== 'string') return value;
  const text: string = value;
  if (isDigits(text, 0, text.length)) return value; // the common case: nothing to normalise or remove
  const s = nfkc(text);
  return (hasSeparator(s) ? s.replace(SEPARATORS, '') : s) as T;
}

/**
 * The transaction as it will be written. The input object itself when nothing changes (the common case: ASCII
 * fields without separators), so a batch of 5,000 is not copied field by field.
 */
export function normaliseTransaction(tx: PaymentTransaction): PaymentTransaction {
  // `bank_code` is accepted as another name for the counterparty's `fisc_code` (docs/formats.md calls it bank code)
  const bank = tx.fisc_code ?? (tx as { bank_code?: string }).bank_code;
  const fisc_code = nfkc(bank);
  const branch_code = nfkc(tx.branch_code);
  const account_number = account(tx.account_number);
  const id_number = nfkc(tx.id_number);
  const customer_reference = nfkc(tx.customer_reference);
  const cno = nfkc(tx.cno);
  if (
    fisc_code === tx.fisc_code &&
    branch_code === tx.branch_code &&
    account_number === tx.account_number &&
    id_number === tx.id_number &&
    customer_reference === tx.customer_reference &&
    cno === tx.cno
  ) {
    return tx;
  }
  const out: PaymentTransaction = { ...tx, fisc_code, branch_code, account_number, id_number };
  if (tx.customer_reference !== undefined) out.customer_reference = customer_reference;
  if (tx.cno !== undefined) out.cno = cno;
  return out;
}

/** Whether NFKC leaves the value as it is (not a string, or printable ASCII): no normalisation to do. */
export function isNfkcStable(value: unknown): boolean {
  return typeof value !== 'string' || allInRange(value, 0x20, 0x7e);
}

/**
 * The batch's own fields normalised, with `transactions` as its transaction list: the validator fills it with
 * the input's transactions, normalising one (normaliseTransaction) where its checks find something to normalise.
 */
export function normaliseBatch(batch: PaymentBatchInput, transactions: PaymentTransaction[]): PaymentBatchInput {
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
    transactions,
  };
}
