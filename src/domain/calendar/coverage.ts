/**
 * Whether the calendar can be trusted for the days ahead: a provisional year (derived by rule, not the official
 * list) or a missing year (weekends only) within the horizon is something an operator must hear about.
 */
import type { BusinessCalendar } from './business-calendar.ts';
import { addDays, yearOf } from './days.ts';
import type { IsoDay } from './types.ts';

export interface CalendarCoverageWarning {
  year: number;
  status: 'provisional' | 'missing';
  /** First day of the horizon that falls in that year. */
  firstDay: IsoDay;
  message: string;
}

export const COVERAGE_HORIZON_DAYS = 60;

/** Warnings for every year touched by `[today, today + horizonDays]` that is provisional or missing. */
export function calendarCoverageWarnings(
  calendar: BusinessCalendar,
  today: IsoDay,
  horizonDays: number = COVERAGE_HORIZON_DAYS,
): CalendarCoverageWarning[] {
  const warnings: CalendarCoverageWarning[] = [];
  const seen = new Set<number>();
  for (let i = 0; i <= horizonDays; i++) {
    const day = addDays(today, i);
    const year = yearOf(day);
    if (seen.has(year)) continue;
    seen.add(year);
    const status = calendar.yearStatus(year);
    if (status === 'official') continue;
    warnings.push({
      year,
      status,
      firstDay: day,
      message:
        status === 'missing'
          ? `no holiday calendar for ${year} (from ${day}): only weekends are treated as days off`
          : `the ${year} holiday calendar is provisional (from ${day}): check it against the official list`,
    });
  }
  return warnings;
}
