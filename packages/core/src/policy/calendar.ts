// Calendar days and durations in the team's time zone, computed from given instants only.

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The `YYYY-MM-DD` calendar day of an instant in an IANA time zone. */
export function calendarDay(instant: string, timeZone: string): string {
  // UTC needs no zone data: creating the first formatter loads ICU's (several ms).
  if (timeZone === 'UTC') return parseInstant(instant).toISOString().slice(0, 10);
  let formatter = dayFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, formatter);
  }
  return formatter.format(parseInstant(instant));
}

export function parseInstant(instant: string): Date {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an ISO-8601 instant: "${instant}"`);
  return date;
}

export const DAY_MS = 86_400_000;

export function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(ms / DAY_MS).toFixed(1)} days`;
}
