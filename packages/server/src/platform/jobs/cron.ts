// Cron expressions for recurring jobs, parsed by graphile-worker's own parser so both runners read them alike (UTC).
import { parseCronItem } from 'graphile-worker';
import { ValidationError } from '../errors.js';

export interface CronSchedule {
  matches(minute: Date): boolean;
}

export function parseCron(expression: string): CronSchedule {
  let item: ReturnType<typeof parseCronItem>;
  try {
    item = parseCronItem({ task: 'cron', match: expression, identifier: 'cron' });
  } catch (error) {
    throw new ValidationError(
      `cron "${expression}" is not a cron expression (${(error as Error).message}): use 5 fields, e.g. "*/5 * * * *"`,
    );
  }
  return {
    matches: (minute) =>
      item.match({
        min: minute.getUTCMinutes(),
        hour: minute.getUTCHours(),
        date: minute.getUTCDate(),
        month: minute.getUTCMonth() + 1,
        dow: minute.getUTCDay(),
      }),
  };
}

/** The latest whole minute in (after, upTo] the schedule matches, or null; looks back a week at most. */
export function latestMatch(schedule: CronSchedule, after: Date, upTo: Date): Date | null {
  const floor = Math.max(after.getTime(), upTo.getTime() - 7 * 24 * 60 * 60_000);
  for (let at = Math.floor(upTo.getTime() / 60_000) * 60_000; at > floor; at -= 60_000) {
    const minute = new Date(at);
    if (schedule.matches(minute)) return minute;
  }
  return null;
}
