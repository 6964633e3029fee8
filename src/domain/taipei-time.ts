/**
 * Asia/Taipei calendar helpers. Taiwan has been UTC+8 with no daylight saving since 1980, but we still go through
 * Intl with the zone named, so the rule lives in one place and reads explicitly.
 */
const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Taipei',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Taipei calendar day of an instant, 'YYYY-MM-DD'. */
export function taipeiDate(instant: Date): string {
  return dayFormat.format(instant);
}

/** The Taipei wall-clock time of an instant, 'HH:MM:SS'. */
export function taipeiTime(instant: Date): string {
  return timeFormat.format(instant);
}

/** The instant at which a Taipei wall-clock time occurs on a Taipei day. */
export function taipeiInstant(day: string, hhmm: string): Date {
  const [h, m] = hhmm.split(':');
  return new Date(`${day}T${h!.padStart(2, '0')}:${(m ?? '00').padStart(2, '0')}:00+08:00`);
}
