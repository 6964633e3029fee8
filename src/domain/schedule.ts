/**
 * The schedule of docs/operations.md as cron expressions, evaluated by croner in Asia/Taipei. Cron knows weekdays but
 * not Taiwan's holidays or make-up workdays, so business-day events run every day in cron and are filtered
 * through the business calendar; the reconciliation window (08:00…18:00 inclusive) is a cron hour range with
 * the end filtered to the minute.
 *
 * | event                 | cron (defaults)        | days          | catch-up on start                                  |
 * |-----------------------|------------------------|---------------|----------------------------------------------------|
 * | `PAYMENTS.GENERATE`   | `0 6 * * *`            | business days | today's run, for the banks whose cutoff is ahead   |
 * | `RECONCILIATION.POLL` | `0-59/30 8-18 * * *`   | business days | only the latest missed poll of today               |
 * | `RETRY.PROCESS`       | `0 * * * *`            | every day     | only the latest missed one                         |
 * | `HEALTH.CHECK`        | `*\/5 * * * *`          | every day     | only the latest missed one                         |
 * | `REPORT.DAILY`        | `0 19 * * *`           | business days | today's, before midnight                           |
 * | `BANK.CUTOFF`         | `<cutoff> * * *` / bank | business days | today's, before midnight (the batch is still late) |
 *
 * @example
 *   const schedule = buildSchedule(config.schedule, { cutoffs: [{ bankCode: 'mega', time: '15:30' }] });
 *   const next = nextDue(schedule, Date.now(), calendar); // { at, ticks: [...] }
 */
import { Cron } from 'croner';
import type { BusinessCalendar } from './calendar/business-calendar.ts';
import type { IsoDay } from './calendar/types.ts';
import { taipeiDate, taipeiInstant, taipeiTime } from './taipei-time.ts';

export const TICK_EVENTS = [
  'PAYMENTS.GENERATE',
  'RECONCILIATION.POLL',
  'RETRY.PROCESS',
  'HEALTH.CHECK',
  'REPORT.DAILY',
  'BANK.CUTOFF',
] as const;
export type TickEvent = (typeof TICK_EVENTS)[number];

/** The `schedule` section of the configuration (all times HH:MM Asia/Taipei). */
export interface ScheduleConfig {
  payments_time: string;
  reconciliation_from: string;
  reconciliation_to: string;
  reconciliation_every_minutes: number;
  retry_cron: string;
  health_every_minutes: number;
  report_time: string;
}

export const DEFAULT_SCHEDULE_CONFIG: ScheduleConfig = {
  payments_time: '06:00',
  reconciliation_from: '08:00',
  reconciliation_to: '18:00',
  reconciliation_every_minutes: 30,
  retry_cron: '0 * * * *',
  health_every_minutes: 5,
  report_time: '19:00',
};

export interface BankCutoff {
  bankCode: string;
  /** HH:MM Asia/Taipei. */
  time: string;
}

export interface ScheduleEntry {
  /** Unique key, also the `event` column of the dispatch log: the event, or `BANK.CUTOFF:<bank>`. */
  key: string;
  event: TickEvent;
  pattern: string;
  businessDaysOnly: boolean;
  /** Inclusive HH:MM window the occurrence must fall in. */
  window?: { from: string; to: string };
  bankCode?: string;
  cron: Cron;
}

export interface Schedule {
  entries: ScheduleEntry[];
  /** Active banks' cutoffs, for the payments catch-up. */
  cutoffs: BankCutoff[];
}

export interface Tick {
  key: string;
  event: TickEvent;
  scheduledAt: Date;
  /** Taipei day of `scheduledAt`. */
  businessDate: IsoDay;
  catchUp: boolean;
  /** BANK.CUTOFF: the bank. */
  bankCode?: string;
  /** PAYMENTS.GENERATE caught up late: only these banks (their cutoff is still ahead). Absent = all. */
  bankCodes?: string[];
}

function hm(time: string): [number, number] {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) throw new RangeError(`expected HH:MM, got ${JSON.stringify(time)}`);
  return [Number(m[1]), Number(m[2])];
}

const dailyAt = (time: string) => {
  const [h, m] = hm(time);
  return `${m} ${h} * * *`;
};

/** Every `every` minutes from `from` to `to` (inclusive) as a cron pattern; the end minute is filtered later. */
function windowPattern(from: string, to: string, every: number): string {
  const [fh, fm] = hm(from);
  const [th] = hm(to);
  if (every < 60) {
    if (60 % every !== 0) throw new RangeError(`reconciliation_every_minutes must divide 60 or be whole hours`);
    return `${fm}-59/${every} ${fh}-${th} * * *`;
  }
  if (every % 60 !== 0) throw new RangeError(`reconciliation_every_minutes must divide 60 or be whole hours`);
  return `${fm} ${fh}-${th}/${every / 60} * * *`;
}

function entry(key: string, event: TickEvent, pattern: string, extra: Partial<ScheduleEntry> = {}): ScheduleEntry {
  return {
    key,
    event,
    pattern,
    businessDaysOnly: false,
    ...extra,
    cron: new Cron(pattern, { timezone: 'Asia/Taipei', paused: true }),
  };
}

export function buildSchedule(
  config: ScheduleConfig = DEFAULT_SCHEDULE_CONFIG,
  options: { cutoffs?: BankCutoff[] } = {},
): Schedule {
  const cutoffs = options.cutoffs ?? [];
  const health = config.health_every_minutes;
  return {
    cutoffs,
    entries: [
      entry('PAYMENTS.GENERATE', 'PAYMENTS.GENERATE', dailyAt(config.payments_time), { businessDaysOnly: true }),
      entry(
        'RECONCILIATION.POLL',
        'RECONCILIATION.POLL',
        windowPattern(config.reconciliation_from, config.reconciliation_to, config.reconciliation_every_minutes),
        { businessDaysOnly: true, window: { from: config.reconciliation_from, to: config.reconciliation_to } },
      ),
      entry('RETRY.PROCESS', 'RETRY.PROCESS', config.retry_cron),
      entry('HEALTH.CHECK', 'HEALTH.CHECK', health >= 60 ? '0 * * * *' : `*/${health} * * * *`),
      entry('REPORT.DAILY', 'REPORT.DAILY', dailyAt(config.report_time), { businessDaysOnly: true }),
      ...cutoffs.map((c) =>
        entry(`BANK.CUTOFF:${c.bankCode}`, 'BANK.CUTOFF', dailyAt(c.time), {
          businessDaysOnly: true,
          bankCode: c.bankCode,
        }),
      ),
    ],
  };
}

function allowed(e: ScheduleEntry, at: Date, calendar: BusinessCalendar): boolean {
  if (e.window) {
    const time = taipeiTime(at).slice(0, 5);
    if (time < e.window.from || time > e.window.to) return false;
  }
  return !e.businessDaysOnly || calendar.isBusinessDay(taipeiDate(at));
}

function toTick(e: ScheduleEntry, at: Date, catchUp: boolean): Tick {
  return {
    key: e.key,
    event: e.event,
    scheduledAt: at,
    businessDate: taipeiDate(at),
    catchUp,
    ...(e.bankCode ? { bankCode: e.bankCode } : {}),
  };
}

// A year of occurrences: enough for any calendar, small enough to stop a pattern that never matches.
const MAX_STEPS = 20_000;

/** The first allowed occurrence of `e` strictly after `afterMs`, or null if there is none within reach. */
export function nextOccurrence(e: ScheduleEntry, afterMs: number, calendar: BusinessCalendar): Date | null {
  let from = new Date(afterMs);
  for (let i = 0; i < MAX_STEPS; i++) {
    const at = e.cron.nextRun(from);
    if (!at) return null;
    if (allowed(e, at, calendar)) return at;
    const day = taipeiDate(at);
    // A closed day: skip the rest of it at once rather than walking every occurrence.
    from =
      e.businessDaysOnly && !calendar.isBusinessDay(day)
        ? new Date(taipeiInstant(day, '23:59').getTime() + 59_000)
        : at;
  }
  return null;
}

/** The latest allowed occurrence of `e` at or before `atMs`, or null if none within `withinMs`. */
export function previousOccurrence(
  e: ScheduleEntry,
  atMs: number,
  calendar: BusinessCalendar,
  withinMs = 86_400_000,
): Date | null {
  let ref = new Date(atMs + 1);
  for (let i = 0; i < MAX_STEPS; i++) {
    const [at] = e.cron.previousRuns(1, ref);
    if (!at || atMs - at.getTime() > withinMs) return null;
    if (allowed(e, at, calendar)) return at;
    ref = at;
  }
  return null;
}

/** The next instant anything is due strictly after `afterMs`, with every tick due then. */
export function nextDue(
  schedule: Schedule,
  afterMs: number,
  calendar: BusinessCalendar,
): { at: number; ticks: Tick[] } | null {
  let best: number | null = null;
  let ticks: Tick[] = [];
  for (const e of schedule.entries) {
    const at = nextOccurrence(e, afterMs, calendar);
    if (!at) continue;
    const ms = at.getTime();
    if (best === null || ms < best) {
      best = ms;
      ticks = [toTick(e, at, false)];
    } else if (ms === best) ticks.push(toTick(e, at, false));
  }
  return best === null ? null : { at: best, ticks };
}

/**
 * Ticks missed before `nowMs` that are still worth running on start (see the table above). The dispatch log
 * turns a tick that did run before the restart into a no-op, so this may propose one that was not missed.
 */
export function catchUpTicks(schedule: Schedule, nowMs: number, calendar: BusinessCalendar): Tick[] {
  const today = taipeiDate(new Date(nowMs));
  const ticks: Tick[] = [];
  for (const e of schedule.entries) {
    const at = previousOccurrence(e, nowMs, calendar);
    if (!at) continue;
    const sameDay = taipeiDate(at) === today;
    switch (e.event) {
      case 'HEALTH.CHECK':
      case 'RETRY.PROCESS':
        ticks.push(toTick(e, at, true));
        break;
      case 'RECONCILIATION.POLL':
      case 'REPORT.DAILY':
      case 'BANK.CUTOFF':
        if (sameDay) ticks.push(toTick(e, at, true));
        break;
      case 'PAYMENTS.GENERATE': {
        if (!sameDay) break;
        const bankCodes = schedule.cutoffs
          .filter((c) => taipeiInstant(today, c.time).getTime() > nowMs)
          .map((c) => c.bankCode);
        if (bankCodes.length > 0) ticks.push({ ...toTick(e, at, true), bankCodes });
        break;
      }
    }
  }
  return ticks.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
}

/** When a bank's payment batch for `valueDate` is too late to upload. */
export function cutoffInstant(valueDate: IsoDay, cutoffTime: string): Date {
  return taipeiInstant(valueDate, cutoffTime);
}
