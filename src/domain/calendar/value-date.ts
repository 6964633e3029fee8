/**
 * The one check every path that creates or re-dates a batch applies to its value date (docs/operations.md,
 * Value dates): a business day for that bank (calendar and ad-hoc closures), not in the past and, when it is
 * today, not after the bank's cutoff. All in Asia/Taipei.
 *
 * @example
 *   checkValueDate(calendar, '2026-12-13', { now, bankCode: 'ctbc', cutoffTime: '15:30' });
 *   // { ok: false, reason: 'weekend', message: 'value date 2026-12-13 is a Sunday, not a business day' }
 */
import { taipeiDate, taipeiInstant } from '../taipei-time.ts';
import type { BusinessCalendar } from './business-calendar.ts';
import { isIsoDay, weekday } from './days.ts';

export type ValueDateRefusal = 'invalid' | 'weekend' | 'holiday' | 'closure' | 'past' | 'after_cutoff';

export type ValueDateCheck = { ok: true } | { ok: false; reason: ValueDateRefusal; message: string };

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export class ValueDateRefused extends Error {
  override readonly name = 'ValueDateRefused';
  constructor(
    readonly valueDate: string,
    readonly reason: ValueDateRefusal,
    message: string,
    readonly bankCode?: string,
  ) {
    super(message);
  }
}

export function checkValueDate(
  calendar: Pick<BusinessCalendar, 'describe'>,
  valueDate: string,
  options: { now: Date; bankCode?: string; cutoffTime?: string },
): ValueDateCheck {
  const forBank = options.bankCode ? ` for ${options.bankCode}` : '';
  if (!isIsoDay(valueDate)) {
    return { ok: false, reason: 'invalid', message: `value date ${valueDate} is not a date (YYYY-MM-DD)` };
  }
  const today = taipeiDate(options.now);
  if (valueDate < today) {
    return { ok: false, reason: 'past', message: `value date ${valueDate} is in the past (today is ${today})` };
  }
  const day = calendar.describe(valueDate, options.bankCode);
  if (!day.businessDay) {
    if (day.reason === 'weekend') {
      const name = DAY_NAMES[weekday(valueDate) % 7];
      return { ok: false, reason: 'weekend', message: `value date ${valueDate} is a ${name}, not a business day` };
    }
    if (day.reason === 'override_holiday') {
      return {
        ok: false,
        reason: 'closure',
        message: `value date ${valueDate} is closed${forBank} (${day.name ?? 'ad-hoc closure'})`,
      };
    }
    return {
      ok: false,
      reason: 'holiday',
      message: `value date ${valueDate} is a holiday${day.name ? ` (${day.name})` : ''}`,
    };
  }
  if (valueDate === today && options.cutoffTime && options.now >= taipeiInstant(valueDate, options.cutoffTime)) {
    return {
      ok: false,
      reason: 'after_cutoff',
      message: `value date ${valueDate}: the ${options.cutoffTime} cutoff${forBank} has already passed today`,
    };
  }
  return { ok: true };
}

/** Throws ValueDateRefused when the check fails. */
export function assertValueDate(...args: Parameters<typeof checkValueDate>): void {
  const result = checkValueDate(...args);
  if (!result.ok) throw new ValueDateRefused(args[1], result.reason, result.message, args[2].bankCode);
}
