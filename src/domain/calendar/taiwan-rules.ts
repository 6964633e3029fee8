/**
 * The rule of 紀念日及節日實施條例 (as amended in 2025) that turns the holiday dates of a year into the weekdays
 * off, for years whose official calendar is not published yet. Lunar dates and 清明 come from the caller (an
 * astronomical library in scripts/holidays-2027.ts); this module only applies the rule, so it can be checked
 * against an official year (2026) in the tests.
 *
 * - fixed-date and single-day holidays: Saturday -> the Friday before, Sunday -> the Monday after;
 * - 春節 (the day before 除夕, 除夕, 初一–初三): days that fall on a weekend are made up on the weekdays after it;
 * - 兒童節 on the same day as 清明: 兒童節 moves to the day before (the day after when that is a Thursday);
 * - a substitute day that is already off moves on to the next free weekday (flagged).
 */
import { addDays, isoDay, isWeekend, weekday } from './days.ts';
import type { CalendarDay, IsoDay } from './types.ts';

export interface LunarAnchors {
  /** 農曆正月初一 of the lunar year that starts in this Gregorian year. */
  lunarNewYear: IsoDay;
  /** 端午節, 農曆五月初五. */
  dragonBoat: IsoDay;
  /** 中秋節, 農曆八月十五. */
  midAutumn: IsoDay;
  /** 清明 solar term (民族掃墓節). */
  qingming: IsoDay;
}

interface Anchor {
  date: IsoDay;
  name: string;
  flag?: string;
}

const FIXED: ReadonlyArray<[number, number, string]> = [
  [1, 1, '元旦'],
  [2, 28, '和平紀念日'],
  [5, 1, '勞動節'],
  [9, 28, '孔子誕辰紀念日/教師節'],
  [10, 10, '國慶日'],
  [10, 25, '臺灣光復暨金門古寧頭大捷紀念日'],
  [12, 25, '行憲紀念日'],
];

/** The weekdays off in `year`, sorted, each named; lunar-derived days carry `flag` when `flagLunar` is set. */
export function taiwanHolidays(
  year: number,
  anchors: LunarAnchors,
  options: { flagLunar?: string } = {},
): CalendarDay[] {
  const lunarFlag = options.flagLunar;
  const off = new Map<IsoDay, CalendarDay>();
  const take = (date: IsoDay, name: string, flag?: string) => {
    if (isWeekend(date) || off.has(date)) return false;
    off.set(date, flag ? { date, name, flag } : { date, name });
    return true;
  };
  const single = (a: Anchor) => {
    const w = weekday(a.date);
    const preferred = w === 6 ? addDays(a.date, -1) : w === 0 ? addDays(a.date, 1) : a.date;
    if (take(preferred, preferred === a.date ? a.name : `${a.name}補假`, a.flag)) return;
    // ISO days compare as strings: start after whichever of the two is later
    let d = addDays([preferred, a.date].sort()[1]!, 1);
    while (isWeekend(d) || off.has(d)) d = addDays(d, 1);
    const collision = 'falls on another holiday: moved to the next free weekday';
    take(d, `${a.name}補假`, a.flag ? `${a.flag}; ${collision}` : collision);
  };

  // 春節 first: its make-up days come before the others compete for weekdays.
  const eve = addDays(anchors.lunarNewYear, -1);
  const springDays: Anchor[] = [
    { date: addDays(eve, -1), name: '除夕前一日' },
    { date: eve, name: '除夕' },
    { date: anchors.lunarNewYear, name: '春節' },
    { date: addDays(anchors.lunarNewYear, 1), name: '春節' },
    { date: addDays(anchors.lunarNewYear, 2), name: '春節' },
  ];
  let makeUpFrom = addDays(anchors.lunarNewYear, 3);
  for (const s of springDays) {
    if (take(s.date, s.name, lunarFlag)) continue;
    while (isWeekend(makeUpFrom) || off.has(makeUpFrom)) makeUpFrom = addDays(makeUpFrom, 1);
    take(makeUpFrom, `${s.name}補假 (${s.date})`, lunarFlag);
  }

  const anchorsOfYear: Anchor[] = FIXED.map(([m, d, name]) => ({ date: isoDay(year, m, d), name }));
  const childrens = isoDay(year, 4, 4);
  if (anchors.qingming === childrens) {
    // Same day: 兒童節 moves to the day before, or the day after when the day before is a Thursday.
    const before = addDays(childrens, -1);
    anchorsOfYear.push({
      date: weekday(before) === 4 ? addDays(childrens, 1) : before,
      name: '兒童節',
      flag: lunarFlag,
    });
  } else {
    anchorsOfYear.push({ date: childrens, name: '兒童節' });
  }
  anchorsOfYear.push({ date: anchors.qingming, name: '民族掃墓節(清明)', flag: lunarFlag });
  anchorsOfYear.push({ date: anchors.dragonBoat, name: '端午節', flag: lunarFlag });
  anchorsOfYear.push({ date: anchors.midAutumn, name: '中秋節', flag: lunarFlag });
  anchorsOfYear.sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const a of anchorsOfYear) single(a);

  // 元旦 of the next year on a Saturday is made up on 12-31 of this one.
  const nextNewYear = isoDay(year + 1, 1, 1);
  if (weekday(nextNewYear) === 6) take(addDays(nextNewYear, -1), `元旦補假 (${nextNewYear})`);

  return [...off.values()].filter((d) => d.date.startsWith(`${year}-`)).sort((a, b) => (a.date < b.date ? -1 : 1));
}
