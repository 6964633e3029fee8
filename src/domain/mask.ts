/**
 * Masking by what a value is (docs/operations.md, Masking). Account numbers, ID numbers and unified business
 * numbers keep only their last 4 characters wherever they appear; the identifiers this system makes itself stay
 * readable in full, because an operator needs them to find the file or the payment an error is about:
 * batch numbers (ESUN202612080001), file names (REC_ESUN_20261208_0002.txt), run ids (UUIDs), transaction ids
 * (TX…), invoice numbers (INV-…), digests and trace ids. Structured data is masked by field name
 * (`maskFields`); free text by the shapes of those identifiers first, then of account and ID numbers.
 *
 * @example maskAccount('123456789012') // '********9012'
 * @example maskSensitiveText('ESUN202612080001: account 09010001234567') // 'ESUN202612080001: account **********4567'
 */
export function maskAccount(value: string | null | undefined): string {
  if (!value) return '';
  const visible = value.slice(-4);
  return '*'.repeat(Math.max(0, value.length - 4)) + visible;
}

// Identifiers the system makes, by shape. Matched first; the text between them is what gets masked.
const SYSTEM_IDENTIFIER = new RegExp(
  [
    // file names: PAY_20261208_0001.txt, REC_ESUN_20261208_0002.txt, .PAY_….txt.part, ….plain
    String.raw`[A-Za-z0-9_][\w.-]*\.(?:txt|csv|dat|ach|pgp|gpg|asc|sig|plain|part|json|html)\b`,
    // run ids and other UUIDs
    String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`,
    // SHA-256 digests, trace and span ids: long hex words with at least one letter
    String.raw`\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b`,
    // transaction ids: TX + value date + 10-digit sequence
    String.raw`\bTX\d{18}\b`,
    // batch numbers: bank code (2-8 letters) + value date + 4-digit sequence
    String.raw`\b[A-Z]{2,8}20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{4}\b`,
    // invoice numbers
    String.raw`\bINV-[\w-]+`,
  ].join('|'),
  'g',
);

// A date written yyyymmdd is not an account number.
const YYYYMMDD = /^20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/;

function maskGap(text: string): string {
  return (
    text
      // national IDs and resident certificates, either case
      .replace(/(?<![A-Za-z0-9])[A-Za-z][12ABCD89abcd]\d{8}(?!\d)/g, (m) => maskAccount(m))
      // account numbers written in groups (012-345-678901, 0123 4567 8901): 8+ digits in all, not an ISO date
      .replace(/(?<!\d)\d{2,}(?:[- ]\d{2,}){1,4}(?!\d)/g, (m) => {
        const digits = m.replace(/\D/g, '');
        if (digits.length < 8 || /^\d{4}-\d{2}-\d{2}/.test(m)) return m;
        return maskAccount(digits);
      })
      // account numbers and unified business numbers: 8+ digits, unless a yyyymmdd date
      .replace(/(?<!\d)\d{8,}(?!\d)/g, (m) => (YYYYMMDD.test(m) ? m : maskAccount(m)))
  );
}

/** Masks account and ID numbers in free text; the system's own identifiers stay whole. */
export function maskSensitiveText(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(SYSTEM_IDENTIFIER)) {
    out += maskGap(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + maskGap(text.slice(last));
}

// Field names whose value is an account or ID number whatever its shape (short, dashed, a number).
const IDENTIFIER_FIELD =
  /(^|_)(account|acct|account_number|account_no|id_number|id_no|national_id|tax_id|ubn|pclno|rclno|cid|pid|cno)$/i;
// Field names whose value is one of our own identifiers: never masked.
const SYSTEM_FIELD =
  /^(batch_number|batch_id|run_id|file|file_name|remote_name|remote_path|name|transaction_id|invoice_number|invoice_id|ref|sha256|.*_sha256|trace_id|span_id)$/i;

/** Masks stored JSON (exception details, warnings, validation errors) by field name, then by shape. */
export function maskFields(value: unknown, key = ''): unknown {
  if (key && SYSTEM_FIELD.test(key) && (typeof value === 'string' || typeof value === 'number')) return value;
  if (key && IDENTIFIER_FIELD.test(key) && (typeof value === 'string' || typeof value === 'number')) {
    return maskAccount(String(value).replace(/[\s-]/g, ''));
  }
  if (typeof value === 'string') return maskSensitiveText(value);
  if (Array.isArray(value)) return value.map((v) => maskFields(v));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskFields(v, k)]));
  }
  return value;
}
