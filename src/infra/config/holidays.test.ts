import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { provisionalYearJson } from '../../../scripts/holidays-2027.ts';
import { createBusinessCalendar } from '../../domain/calendar/business-calendar.ts';
import { calendarCoverageWarnings } from '../../domain/calendar/coverage.ts';
import { addDays } from '../../domain/calendar/days.ts';
import { HolidayCalendarError, loadHolidayYears } from './holidays.ts';

const CONFIG_DIR = new URL('../../../config/holidays', import.meta.url).pathname;

describe('holiday calendar files', () => {
  it('ship the official 2026 calendar: 120 days off, 16 of them weekdays', async () => {
    const years = await loadHolidayYears(CONFIG_DIR);
    const y2026 = years.find((y) => y.year === 2026);
    expect(y2026).toMatchObject({ provisional: false, workdays: [] });
    expect(y2026?.holidays).toHaveLength(16);
    const calendar = createBusinessCalendar(years);
    let off = 0;
    for (let d = '2026-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) if (!calendar.isBusinessDay(d)) off++;
    expect(off).toBe(120);
    expect(calendar.describe('2026-02-20').name).toMatch(/補假/);
  });

  it('ship 2027 as provisional with every derived day flagged, and warn about it 60 days ahead', async () => {
    const years = await loadHolidayYears(CONFIG_DIR);
    const y2027 = years.find((y) => y.year === 2027);
    expect(y2027?.provisional).toBe(true);
    expect(y2027?.holidays.every((h) => h.flag?.startsWith('provisional'))).toBe(true);
    const calendar = createBusinessCalendar(years);
    expect(calendarCoverageWarnings(calendar, '2026-10-01')).toEqual([]);
    expect(calendarCoverageWarnings(calendar, '2026-11-24')).toEqual([
      expect.objectContaining({ year: 2027, status: 'provisional' }),
    ]);
    expect(calendarCoverageWarnings(calendar, '2027-11-15').map((w) => [w.year, w.status])).toEqual([
      [2027, 'provisional'],
      [2028, 'missing'],
    ]);
  });

  it('2027.json is exactly what scripts/holidays-2027.ts generates', () => {
    expect(readFileSync(join(CONFIG_DIR, '2027.json'), 'utf8')).toBe(provisionalYearJson(2027));
  });

  it('refuse a malformed file, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holidays-'));
    writeFileSync(
      join(dir, '2030.json'),
      JSON.stringify({ year: 2030, provisional: false, holidays: [{ date: '2030-02-30', name: 'x' }], workdays: [] }),
    );
    await expect(loadHolidayYears(dir)).rejects.toThrow(HolidayCalendarError);
    await expect(loadHolidayYears(dir)).rejects.toThrow(/2030\.json: holidays\.0\.date/);
    expect(await loadHolidayYears(join(dir, 'missing'))).toEqual([]);
  });
});
