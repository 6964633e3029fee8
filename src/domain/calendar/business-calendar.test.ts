import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from './business-calendar.ts';
import { calendarCoverageWarnings } from './coverage.ts';
import { taiwanHolidays } from './taiwan-rules.ts';
import type { HolidayYear } from './types.ts';

const year2026: HolidayYear = {
  year: 2026,
  provisional: false,
  holidays: [
    { date: '2026-10-09', name: '國慶日補假' },
    { date: '2026-12-25', name: '行憲紀念日' },
  ],
  workdays: [{ date: '2026-11-28', name: '補行上班 (test)' }],
};

describe('business calendar', () => {
  const calendar = createBusinessCalendar([year2026]);

  it('Monday–Friday are business days, weekends and holidays are not', () => {
    expect(calendar.isBusinessDay('2026-11-24')).toBe(true); // Tuesday
    expect(calendar.isBusinessDay('2026-11-29')).toBe(false); // Sunday
    expect(calendar.describe('2026-10-09')).toMatchObject({
      businessDay: false,
      reason: 'holiday',
      name: '國慶日補假',
    });
  });

  it('a Saturday make-up workday is a business day', () => {
    expect(calendar.describe('2026-11-28')).toMatchObject({ businessDay: true, reason: 'make_up_workday' });
  });

  it('operator overrides win over the files', () => {
    const c = createBusinessCalendar(
      [year2026],
      [
        { day: '2026-11-24', kind: 'holiday', reason: '颱風假' },
        { day: '2026-10-09', kind: 'workday', reason: 'test' },
      ],
    );
    expect(c.describe('2026-11-24')).toMatchObject({ businessDay: false, reason: 'override_holiday', name: '颱風假' });
    expect(c.isBusinessDay('2026-10-09')).toBe(true);
  });

  it('finds the next business day across weekend and holiday', () => {
    expect(calendar.nextBusinessDay('2026-12-24')).toBe('2026-12-28'); // 25 holiday, 26-27 weekend
    expect(calendar.businessDayOnOrAfter('2026-11-28')).toBe('2026-11-28');
  });

  it('warns when the next 60 days reach a provisional or missing year', () => {
    expect(calendarCoverageWarnings(calendar, '2026-06-01')).toEqual([]);
    const warnings = calendarCoverageWarnings(calendar, '2026-11-24');
    expect(warnings).toEqual([expect.objectContaining({ year: 2027, status: 'missing', firstDay: '2027-01-01' })]);
    const withProvisional = createBusinessCalendar([
      year2026,
      { ...year2026, year: 2027, provisional: true, holidays: [], workdays: [] },
    ]);
    expect(calendarCoverageWarnings(withProvisional, '2026-12-01')[0]).toMatchObject({
      year: 2027,
      status: 'provisional',
    });
  });
});

describe('Taiwan holiday rule', () => {
  it('reproduces the official 2026 calendar from its lunar dates', () => {
    const days = taiwanHolidays(2026, {
      lunarNewYear: '2026-02-17',
      dragonBoat: '2026-06-19',
      midAutumn: '2026-09-25',
      qingming: '2026-04-05',
    }).map((d) => d.date);
    expect(days).toEqual([
      '2026-01-01',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
      '2026-02-19',
      '2026-02-20',
      '2026-02-27',
      '2026-04-03',
      '2026-04-06',
      '2026-05-01',
      '2026-06-19',
      '2026-09-25',
      '2026-09-28',
      '2026-10-09',
      '2026-10-26',
      '2026-12-25',
    ]);
  });

  it('moves Saturday to the Friday before, Sunday to the Monday after, and 元旦 of next year back into December', () => {
    const days = taiwanHolidays(2027, {
      lunarNewYear: '2027-02-06',
      dragonBoat: '2027-06-09',
      midAutumn: '2027-09-15',
      qingming: '2027-04-05',
    });
    const dates = days.map((d) => d.date);
    expect(dates).toContain('2027-03-01'); // 2-28 is a Sunday
    expect(dates).toContain('2027-04-30'); // 5-1 is a Saturday
    expect(dates).toContain('2027-12-31'); // 2028-01-01 is a Saturday
    // 春節 on Sat/Sun: made up on the following Tuesday and Wednesday
    expect(dates.filter((d) => d.startsWith('2027-02'))).toEqual([
      '2027-02-04',
      '2027-02-05',
      '2027-02-08',
      '2027-02-09',
      '2027-02-10',
    ]);
    // 兒童節 (Sun -> Mon 4-5) meets 清明 (Mon 4-5): the second moves to Tuesday, flagged
    expect(days.find((d) => d.date === '2027-04-06')?.flag).toMatch(/another holiday/);
  });
});
