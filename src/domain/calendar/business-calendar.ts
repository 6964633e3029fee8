/**
 * The business calendar: Monday–Friday, less the holidays of the year files, plus their make-up workdays,
 * with operator overrides (typhoon closures, extra working days) taking precedence over both.
 *
 * @example
 *   const calendar = createBusinessCalendar(years, overrides);
 *   calendar.isBusinessDay('2026-10-09'); // false: 國慶日補假
 */
import { addDays, isWeekend, yearOf } from './days.ts';
import type { CalendarOverride, HolidayYear, IsoDay } from './types.ts';

export type CalendarYearStatus = 'official' | 'provisional' | 'missing';

export interface DayInfo {
  day: IsoDay;
  businessDay: boolean;
  /** What makes the day what it is. */
  reason: 'weekday' | 'weekend' | 'holiday' | 'make_up_workday' | 'override_holiday' | 'override_workday';
  name?: string;
  yearStatus: CalendarYearStatus;
}

export interface BusinessCalendar {
  /** With a bank code, that bank's own closures count too. */
  isBusinessDay(day: IsoDay, bankCode?: string): boolean;
  describe(day: IsoDay, bankCode?: string): DayInfo;
  /** The first business day strictly after `day`. */
  nextBusinessDay(day: IsoDay, bankCode?: string): IsoDay;
  /** The first business day on or after `day`. */
  businessDayOnOrAfter(day: IsoDay, bankCode?: string): IsoDay;
  yearStatus(year: number): CalendarYearStatus;
}

// Ten years of only-closed days do not happen; the bound keeps a broken calendar from looping forever.
const SEARCH_LIMIT_DAYS = 3660;

export function createBusinessCalendar(
  years: readonly HolidayYear[],
  overrides: readonly CalendarOverride[] = [],
): BusinessCalendar {
  const statusByYear = new Map<number, CalendarYearStatus>();
  const holidays = new Map<IsoDay, string>();
  const workdays = new Map<IsoDay, string>();
  for (const y of years) {
    statusByYear.set(y.year, y.provisional ? 'provisional' : 'official');
    for (const h of y.holidays) holidays.set(h.date, h.name);
    for (const w of y.workdays) workdays.set(w.date, w.name);
  }
  const everyBank = (o: CalendarOverride) => o.bankCode === undefined || o.bankCode === '*';
  const overrideByDay = new Map(overrides.filter(everyBank).map((o) => [o.day, o]));
  const bankOverride = new Map(overrides.filter((o) => !everyBank(o)).map((o) => [`${o.bankCode}|${o.day}`, o]));
  const yearStatus = (year: number): CalendarYearStatus => statusByYear.get(year) ?? 'missing';

  function describe(day: IsoDay, bankCode?: string): DayInfo {
    const base = { day, yearStatus: yearStatus(yearOf(day)) };
    const override =
      (bankCode !== undefined ? bankOverride.get(`${bankCode}|${day}`) : undefined) ?? overrideByDay.get(day);
    if (override?.kind === 'holiday') {
      return { ...base, businessDay: false, reason: 'override_holiday', name: override.reason };
    }
    if (override?.kind === 'workday') {
      return { ...base, businessDay: true, reason: 'override_workday', name: override.reason };
    }
    const makeUp = workdays.get(day);
    if (makeUp !== undefined) return { ...base, businessDay: true, reason: 'make_up_workday', name: makeUp };
    const holiday = holidays.get(day);
    if (holiday !== undefined) return { ...base, businessDay: false, reason: 'holiday', name: holiday };
    if (isWeekend(day)) return { ...base, businessDay: false, reason: 'weekend' };
    return { ...base, businessDay: true, reason: 'weekday' };
  }

  const isBusinessDay = (day: IsoDay, bankCode?: string) => describe(day, bankCode).businessDay;

  function businessDayOnOrAfter(day: IsoDay, bankCode?: string): IsoDay {
    let d = day;
    for (let i = 0; i < SEARCH_LIMIT_DAYS; i++, d = addDays(d, 1)) {
      if (isBusinessDay(d, bankCode)) return d;
    }
    throw new Error(`no business day within ${SEARCH_LIMIT_DAYS} days after ${day}`);
  }

  return {
    isBusinessDay,
    describe,
    businessDayOnOrAfter,
    nextBusinessDay: (day, bankCode) => businessDayOnOrAfter(addDays(day, 1), bankCode),
    yearStatus,
  };
}
