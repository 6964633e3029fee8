/** Plain calendar-day arithmetic on 'YYYY-MM-DD' strings: no time zone, no clock. */
import type { IsoDay } from './types.ts';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function toUtcMs(day: IsoDay): number {
  const m = ISO_DAY.exec(day);
  if (!m) throw new RangeError(`expected YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`no such day: ${day}`);
  return ms;
}

export function isIsoDay(value: string): boolean {
  try {
    toUtcMs(value);
    return true;
  } catch {
    return false;
  }
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: IsoDay): number {
  return new Date(toUtcMs(day)).getUTCDay();
}

export function isWeekend(day: IsoDay): boolean {
  const w = weekday(day);
  return w === 0 || w === 6;
}

export function addDays(day: IsoDay, n: number): IsoDay {
  return new Date(toUtcMs(day) + n * 86_400_000).toISOString().slice(0, 10);
}

export function yearOf(day: IsoDay): number {
  return Number(day.slice(0, 4));
}

export function isoDay(year: number, month: number, dayOfMonth: number): IsoDay {
  return new Date(Date.UTC(year, month - 1, dayOfMonth)).toISOString().slice(0, 10);
}
