/** Date fields: Asia/Taipei header stamps, YYYYMMDD and ROC dates (0 + 3-digit ROC year + MMDD). */
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** ISO timestamp with an offset or Z (fractional seconds allowed, dropped when written). */
export const OFFSET_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A created_at the writers accept: OFFSET_TIMESTAMP, naming a real calendar day and time and a real offset.
 * (Date.parse alone would roll 2026-02-30 over into March.)
 */
export function isOffsetTimestamp(s: unknown): s is string {
  if (typeof s !== 'string' || !OFFSET_TIMESTAMP.test(s)) return false;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-](\d{2}):?(\d{2}))$/i.exec(s);
  if (!m || !isIsoDate(m[1])) return false;
  const [hour, minute, second, offsetHours, offsetMinutes] = [m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0));
  return hour! < 24 && minute! < 60 && second! < 60 && offsetHours! < 24 && offsetMinutes! < 60;
}

/** The Asia/Taipei calendar date (YYYYMMDD) and time (HHMMSS) of an instant; fractional seconds dropped. */
export function taipeiStamp(iso: string): { ymd: string; hms: string } {
  const values: Record<string, string> = {};
  for (const p of parts.formatToParts(new Date(iso))) values[p.type] = p.value;
  return { ymd: `${values.year}${values.month}${values.day}`, hms: `${values.hour}${values.minute}${values.second}` };
}

/** A real calendar date 'YYYY-MM-DD'. */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

/** 2026-08-05 -> 01150805. */
export function toRocDate(isoDay: string): string {
  const year = Number(isoDay.slice(0, 4)) - 1911;
  return `0${String(year).padStart(3, '0')}${isoDay.slice(5, 7)}${isoDay.slice(8, 10)}`;
}

/** 01150805 -> 2026-08-05; null when not an ROC date. */
export function fromRocDate(roc: string): string | null {
  if (!/^0\d{7}$/.test(roc)) return null;
  const iso = `${Number(roc.slice(1, 4)) + 1911}-${roc.slice(4, 6)}-${roc.slice(6, 8)}`;
  return isIsoDate(iso) ? iso : null;
}

/** 20261126 -> 2026-11-26; null when not a calendar date. */
export function fromYmd(ymd: string): string | null {
  if (!/^\d{8}$/.test(ymd)) return null;
  const iso = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
  return isIsoDate(iso) ? iso : null;
}

export function toYmd(isoDay: string): string {
  return isoDay.replaceAll('-', '');
}
