/**
 * Generates config/holidays/2027.json, marked provisional: the official 2027 calendar (行政院人事行政總處) is not
 * in our sources yet. Lunar holidays (春節, 端午, 中秋) and the 清明 solar term come from lunar-javascript (an
 * astronomical calendar library, China Standard Time = UTC+8 = Taipei); the rule that turns them into weekdays
 * off lives in src/domain/calendar/taiwan-rules.ts. Replace the file by the official list when it is published.
 *
 *   npx tsx scripts/holidays-2027.ts [year] > config/holidays/2027.json   (or --write)
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { taiwanHolidays } from '../src/domain/calendar/taiwan-rules.ts';
import type { HolidayYear } from '../src/domain/calendar/types.ts';

interface SolarDay {
  toYmd(): string;
}
interface LunarDay {
  getSolar(): SolarDay;
  getJieQiTable(): Record<string, SolarDay>;
}
interface LunarLibrary {
  Lunar: { fromYmd(year: number, month: number, day: number): LunarDay };
}

// lunar-javascript ships no type declarations: the few calls used are typed above.
const { Lunar } = createRequire(import.meta.url)('lunar-javascript') as LunarLibrary;

export function provisionalYear(year: number): HolidayYear {
  const newYear = Lunar.fromYmd(year, 1, 1);
  const qingming = newYear.getJieQiTable()['清明'];
  if (!qingming) throw new Error(`lunar-javascript has no 清明 for ${year}`);
  const flag = 'provisional: computed with lunar-javascript, check against the official calendar';
  const holidays = taiwanHolidays(
    year,
    {
      lunarNewYear: newYear.getSolar().toYmd(),
      dragonBoat: Lunar.fromYmd(year, 5, 5).getSolar().toYmd(),
      midAutumn: Lunar.fromYmd(year, 8, 15).getSolar().toYmd(),
      qingming: qingming.toYmd(),
    },
    { flagLunar: flag },
  ).map((d) => (d.flag ? d : { ...d, flag: 'provisional: fixed-date holiday, weekend rule applied' }));
  // Since 2025 there are no Saturday make-up workdays any more.
  return { year, provisional: true, holidays, workdays: [] };
}

export function provisionalYearJson(year: number): string {
  return `${JSON.stringify(provisionalYear(year), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const year = Number(args.find((a) => /^\d{4}$/.test(a)) ?? 2027);
  const text = provisionalYearJson(year);
  if (args.includes('--write')) writeFileSync(new URL(`../config/holidays/${year}.json`, import.meta.url), text);
  else process.stdout.write(text);
}
