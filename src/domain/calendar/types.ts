/**
 * The data of the Taiwan business calendar. One file per year in `config/holidays/<year>.json`; operator
 * overrides (typhoon days, ad-hoc closures) come from the database at run time and are passed in as data.
 */

/** 'YYYY-MM-DD', an Asia/Taipei calendar day. */
export type IsoDay = string;

export interface CalendarDay {
  date: IsoDay;
  name: string;
  /** Why the date is not certain (provisional years): how it was derived, to be checked against the official list. */
  flag?: string;
}

export interface HolidayYear {
  year: number;
  /** true until the official government calendar for the year has been checked in. */
  provisional: boolean;
  /** Weekdays (Monday–Friday) that are days off. */
  holidays: CalendarDay[];
  /** Weekend days that are working days (補行上班). */
  workdays: CalendarDay[];
}

export interface CalendarOverride {
  day: IsoDay;
  kind: 'holiday' | 'workday';
  reason: string;
  /** A closure for one bank only; absent (or '*') = every bank. */
  bankCode?: string;
}
