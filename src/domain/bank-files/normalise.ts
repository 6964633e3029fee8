/**
 * NFKC normalisation (full-width -> ASCII) of the fields formats.md lists, applied before validation and
 * written normalised: id numbers, account numbers (then `-` and spaces removed), bank and branch codes,
 * customer reference, CNO. Every other text is written exactly as given.
 */
import type { PaymentBatchInput, PaymentTransaction } from './batch.ts';

const nfkc = (s: string | undefined) => (s === undefined ? undefined : s.normalize('NFKC'));
const account = (s: string) => s.normalize('NFKC').replace(/[-\s]/g, '');

export function normaliseTransaction(tx: PaymentTransaction): PaymentTransaction {
  const out: PaymentTransaction = {
    ...tx,
    fisc_code: nfkc(tx.fisc_code)!,
    branch_code: nfkc(tx.branch_code)!,
    account_number: account(tx.account_number),
    id_number: nfkc(tx.id_number)!,
  };
  if (tx.customer_reference !== undefined) out.customer_reference = nfkc(tx.customer_reference)!;
  if (tx.cno !== undefined) out.cno = nfkc(tx.cno)!;
  return out;
}

export function normaliseBatch(batch: PaymentBatchInput): PaymentBatchInput {
  return {
    ...batch,
    fisc_code: nfkc(batch.fisc_code)!,
    originator: {
      ...batch.originator,
      id_number: nfkc(batch.originator.id_number)!,
      account_number: account(batch.originator.account_number),
      bank_unit: nfkc(batch.originator.bank_unit)!,
    },
    transactions: batch.transactions.map(normaliseTransaction),
  };
}
