import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from './calendar/business-calendar.ts';
import { buildSchedule, catchUpTicks, nextDue, type Tick } from './schedule.ts';
import { taipeiInstant, taipeiTime } from './taipei-time.ts';

const calendar = createBusinessCalendar([
  {
    year: 2026,
    provisional: false,
    holidays: [{ date: '2026-12-25', name: '行憲紀念日' }],
    workdays: [{ date: '2026-11-28', name: '補行上班 (test)' }],
  },
]);
const schedule = buildSchedule(undefined, {
  cutoffs: [
    { bankCode: 'mega', time: '15:30' },
    { bankCode: 'esun', time: '15:00' },
  ],
});

function ticksOfDay(day: string): Tick[] {
  const start = taipeiInstant(day, '00:00').getTime();
  const end = start + 86_400_000;
  const ticks: Tick[] = [];
  let cursor = start - 1;
  for (;;) {
    const due = nextDue(schedule, cursor, calendar);
    if (!due || due.at >= end) return ticks;
    ticks.push(...due.ticks);
    cursor = due.at;
  }
}

const count = (ticks: Tick[], event: string) => ticks.filter((t) => t.event === event).length;

describe('schedule (croner, Asia/Taipei)', () => {
  it('a Tuesday has 1 payments run, 21 polls 08:00…18:00, 24 retries, 288 health checks, 1 report', () => {
    const ticks = ticksOfDay('2026-11-24');
    expect(count(ticks, 'PAYMENTS.GENERATE')).toBe(1);
    expect(count(ticks, 'RECONCILIATION.POLL')).toBe(21);
    expect(count(ticks, 'RETRY.PROCESS')).toBe(24);
    expect(count(ticks, 'HEALTH.CHECK')).toBe(288);
    expect(count(ticks, 'REPORT.DAILY')).toBe(1);
    expect(count(ticks, 'BANK.CUTOFF')).toBe(2);
    const at = (event: string) => ticks.filter((t) => t.event === event).map((t) => taipeiTime(t.scheduledAt));
    expect(at('PAYMENTS.GENERATE')).toEqual(['06:00:00']);
    expect(at('RECONCILIATION.POLL')[0]).toBe('08:00:00');
    expect(at('RECONCILIATION.POLL').at(-1)).toBe('18:00:00');
    expect(at('REPORT.DAILY')).toEqual(['19:00:00']);
    expect(ticks.every((t) => t.businessDate === '2026-11-24')).toBe(true);
  });

  it('a Saturday make-up workday is a weekday; a Sunday and a holiday only check health and retry', () => {
    expect(count(ticksOfDay('2026-11-28'), 'RECONCILIATION.POLL')).toBe(21);
    for (const day of ['2026-11-29', '2026-12-25']) {
      const events = new Set(ticksOfDay(day).map((t) => t.event));
      expect([...events].sort()).toEqual(['HEALTH.CHECK', 'RETRY.PROCESS']);
    }
  });

  it('jumps over a long closed stretch to the next business-day run', () => {
    const due = nextDue(
      { ...schedule, entries: schedule.entries.filter((e) => e.event === 'PAYMENTS.GENERATE') },
      taipeiInstant('2026-12-24', '07:00').getTime(),
      calendar,
    );
    expect(due?.at).toBe(taipeiInstant('2026-12-28', '06:00').getTime());
  });

  it('catch-up at 07:10 after a missed 06:00 runs payments for the banks still before their cutoff', () => {
    const ticks = catchUpTicks(schedule, taipeiInstant('2026-11-24', '07:10').getTime(), calendar);
    const payments = ticks.find((t) => t.event === 'PAYMENTS.GENERATE');
    expect(payments).toMatchObject({ catchUp: true, bankCodes: ['mega', 'esun'], businessDate: '2026-11-24' });
    expect(payments?.scheduledAt).toEqual(taipeiInstant('2026-11-24', '06:00'));
    expect(ticks.map((t) => t.event).sort()).toEqual(['HEALTH.CHECK', 'PAYMENTS.GENERATE', 'RETRY.PROCESS']);
  });

  it('catch-up at 15:10 keeps only the bank whose cutoff is ahead; at 16:00 payments are not caught up', () => {
    const at1510 = catchUpTicks(schedule, taipeiInstant('2026-11-24', '15:10').getTime(), calendar);
    expect(at1510.find((t) => t.event === 'PAYMENTS.GENERATE')?.bankCodes).toEqual(['mega']);
    const at1600 = catchUpTicks(schedule, taipeiInstant('2026-11-24', '16:00').getTime(), calendar);
    expect(at1600.find((t) => t.event === 'PAYMENTS.GENERATE')).toBeUndefined();
    // only the latest missed poll, and the cutoffs that passed while down
    expect(at1600.filter((t) => t.event === 'RECONCILIATION.POLL').map((t) => taipeiTime(t.scheduledAt))).toEqual([
      '16:00:00',
    ]);
    expect(at1600.filter((t) => t.event === 'BANK.CUTOFF').map((t) => t.bankCode)).toEqual(['esun', 'mega']);
  });

  it('the report is caught up the same business day before midnight, not the next morning', () => {
    const evening = catchUpTicks(schedule, taipeiInstant('2026-11-24', '23:30').getTime(), calendar);
    expect(evening.some((t) => t.event === 'REPORT.DAILY')).toBe(true);
    expect(evening.some((t) => t.event === 'RECONCILIATION.POLL')).toBe(true);
    const nextMorning = catchUpTicks(schedule, taipeiInstant('2026-11-25', '00:30').getTime(), calendar);
    expect(nextMorning.map((t) => t.event).sort()).toEqual(['HEALTH.CHECK', 'RETRY.PROCESS']);
  });

  it('times come from config', () => {
    const config = {
      payments_time: '05:30',
      reconciliation_from: '09:00',
      reconciliation_to: '17:00',
      reconciliation_every_minutes: 60,
      retry_cron: '0 */2 * * *',
      health_every_minutes: 10,
      report_time: '20:15',
    };
    const custom = buildSchedule(config);
    const due = nextDue(custom, taipeiInstant('2026-11-24', '05:25').getTime(), calendar);
    expect(due?.ticks.map((t) => t.event)).toEqual(['PAYMENTS.GENERATE', 'HEALTH.CHECK']);
    expect(taipeiTime(new Date(due?.at ?? 0))).toBe('05:30:00');
    expect(() => buildSchedule({ ...config, reconciliation_every_minutes: 45 })).toThrow(RangeError);
  });
});
