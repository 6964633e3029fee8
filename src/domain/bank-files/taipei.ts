/** Asia/Taipei date and time of an ISO timestamp, as the header fields want them (YYYYMMDD, HHMMSS). */
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

export function taipeiStamp(iso: string): { ymd: string; hms: string } {
  const values: Record<string, string> = {};
  for (const p of parts.formatToParts(new Date(iso))) values[p.type] = p.value;
  return { ymd: `${values.year}${values.month}${values.day}`, hms: `${values.hour}${values.minute}${values.second}` };
}

/** 2026-08-05 -> 01150805: 0 + 3-digit ROC year + MMDD. */
export function rocDate(isoDay: string): string {
  const year = Number(isoDay.slice(0, 4)) - 1911;
  return `0${String(year).padStart(3, '0')}${isoDay.slice(5, 7)}${isoDay.slice(8, 10)}`;
}

export function fromRocDate(roc: string): string | null {
  if (!/^\d{8}$/.test(roc) || /^0+$/.test(roc)) return null;
  const year = Number(roc.slice(0, 4)) + 1911;
  return isoDay(`${year}${roc.slice(4)}`);
}

/** YYYYMMDD -> YYYY-MM-DD, null when blank/zero or not a calendar date. */
export function isoDay(ymd: string): string | null {
  if (!/^\d{8}$/.test(ymd) || /^0+$/.test(ymd)) return null;
  const iso = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}
