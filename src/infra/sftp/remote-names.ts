/**
 * File names on the bank side: rendering our payment names from the bank's pattern, matching the bank's
 * reconciliation names, and refusing untrusted names. Tokens (docs/banks.md): `{YYYYMMDD}` the value date,
 * `{BATCH}` the 4-digit batch sequence, `*` any characters (download patterns only).
 *
 * @example
 *   renderFileName('PAY_{YYYYMMDD}_{BATCH}.txt', { date: '2026-11-25', batch: 1 }); // PAY_20261125_0001.txt
 *   patternRegExp('REC_{YYYYMMDD}*.txt', { date: '2026-11-25' }).test('REC_20261125_01.txt'); // true
 *   untrustedNameReason('../etc/passwd'); // 'contains a path separator'
 */

/**
 * Longest remote name accepted, in UTF-8 bytes. Local copies are stored as `<16 hex>-<name>` and file systems
 * cap a name at 255 bytes: a longer name would fail at the local write, after the download, on every poll,
 * and stop the files listed after it.
 */
export const MAX_REMOTE_NAME_BYTES = 200;

/**
 * Characters that change how a name reads without being seen: bidirectional overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069, U+061C, U+200E/U+200F), zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF, U+180E),
 * the soft hyphen, line and paragraph separators, interlinear annotation marks. `PAY\u202Etxt.exe` shows as
 * `PAYexe.txt`; an operator comparing names on screen must see what is there.
 */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/u;

/** Why a remote name must not be used, or undefined when it is safe as a single path component. */
export function untrustedNameReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_REMOTE_NAME_BYTES) return `is longer than ${MAX_REMOTE_NAME_BYTES} bytes`;
  if (name.includes('\0')) return 'contains NUL';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name.includes('..')) return 'contains ..';
  if (/[\u0001-\u001f\u007f-\u009f]/.test(name)) return 'contains a control character';
  const invisible = INVISIBLE.exec(name);
  if (invisible) {
    const code = invisible[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `contains an invisible or bidirectional control character (U+${code})`;
  }
  if (name === '.') return 'is .';
  return undefined;
}

function digitsOf(date: string): string {
  const digits = date.replaceAll('-', '');
  if (!/^\d{8}$/.test(digits)) throw new Error(`expected a date YYYY-MM-DD or YYYYMMDD, got ${date}`);
  return digits;
}

export function renderFileName(pattern: string, values: { date: string; batch: number }): string {
  if (!Number.isInteger(values.batch) || values.batch < 1 || values.batch > 9999) {
    throw new Error(`batch sequence must be 1..9999, got ${values.batch}`);
  }
  return pattern
    .replaceAll('{YYYYMMDD}', digitsOf(values.date))
    .replaceAll('{BATCH}', String(values.batch).padStart(4, '0'));
}

/** A pattern as an anchored RegExp; without `date`, `{YYYYMMDD}` matches any 8 digits. */
export function patternRegExp(pattern: string, values: { date?: string; batch?: number } = {}): RegExp {
  let source = '';
  for (const part of pattern.split(/(\{YYYYMMDD\}|\{BATCH\}|\*)/)) {
    if (part === '{YYYYMMDD}') source += values.date ? digitsOf(values.date) : '\\d{8}';
    else if (part === '{BATCH}') source += values.batch ? String(values.batch).padStart(4, '0') : '\\d{4}';
    else if (part === '*') source += '.*';
    else source += part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
