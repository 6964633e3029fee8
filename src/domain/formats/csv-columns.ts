/** csv column tables (docs/formats.md, csv): the header row of each kind, in order. */
export const CSV_PAYMENT_COLUMNS = [
  'seq',
  'transaction_id',
  'direction',
  'bank_code',
  'branch_code',
  'account_number',
  'account_holder',
  'amount',
  'value_date',
  'id_number',
  'description',
  'customer_reference',
] as const;

export const CSV_RECONCILIATION_COLUMNS = [
  'record_type',
  'seq',
  'transaction_id',
  'bank_reference',
  'code',
  'message',
  'date',
  'amount',
] as const;

/** First cell of the row that closes a payment csv: `TOTAL,<count>,,,,,,<amount>,,,,`. */
export const CSV_TOTAL = 'TOTAL';
