/**
 * Reads the holiday calendar directory (`holidays_dir`, one `<year>.json` per year) into validated data for
 * `createBusinessCalendar`. A malformed file stops the service at start: a wrong calendar pays on a holiday.
 *
 * @example
 *   const years = await loadHolidayYears(config.holidays_dir);
 *   const calendar = createBusinessCalendar(years, overrides);
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isIsoDay, isWeekend } from '../../domain/calendar/days.ts';
import type { HolidayYear } from '../../domain/calendar/types.ts';

const day = z.string().refine(isIsoDay, 'expected an existing day, YYYY-MM-DD');
const entry = z.object({ date: day, name: z.string().min(1), flag: z.string().optional() }).strict();

const holidayYearSchema = z
  .object({
    year: z.number().int().min(1912).max(2200),
    provisional: z.boolean(),
    holidays: z.array(entry),
    workdays: z.array(entry).default([]),
  })
  .strict()
  .superRefine((y, ctx) => {
    for (const [list, items] of [
      ['holidays', y.holidays],
      ['workdays', y.workdays],
    ] as const) {
      items.forEach((d, i) => {
        if (!d.date.startsWith(`${y.year}-`)) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${d.date} is not in ${y.year}` });
        }
        if (list === 'workdays' && !isWeekend(d.date)) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${d.date} is a weekday already` });
        }
      });
    }
  });

export class HolidayCalendarError extends Error {
  override name = 'HolidayCalendarError';
}

export function parseHolidayYear(value: unknown, source = 'holiday calendar'): HolidayYear {
  const parsed = holidayYearSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HolidayCalendarError(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Every `<year>.json` of the directory, sorted by year; a missing directory is an empty calendar. */
export async function loadHolidayYears(dir: string): Promise<HolidayYear[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const years: HolidayYear[] = [];
  for (const name of names.filter((n) => /^\d{4}\.json$/.test(n)).sort()) {
    const path = join(dir, name);
    const year = parseHolidayYear(JSON.parse(await readFile(path, 'utf8')), path);
    if (`${year.year}.json` !== name)
      throw new HolidayCalendarError(`${path}: file name does not match year ${year.year}`);
    years.push(year);
  }
  return years;
}
