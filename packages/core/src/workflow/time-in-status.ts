// How long a task spent in each status, from its append-only status log.
import { STATUSES, type Status } from './status.js';

export interface StatusEntry {
  status: Status;
  /** ISO 8601 timestamp of when the task entered `status`. */
  at: string;
}

/** Milliseconds per status; the last entry runs until `now`, which the caller passes in to keep this pure. */
export function timeInStatus(history: readonly StatusEntry[], now: string): Record<Status, number> {
  const totals = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  const end = parseInstant(now, 'now');
  // The log should already be in order, but replicas may append out of order; a stable sort keeps ties as logged.
  const entries = history
    .map((entry, index) => ({ status: entry.status, start: parseInstant(entry.at, `history[${index}].at`) }))
    .sort((a, b) => a.start - b.start);
  for (const [index, entry] of entries.entries()) {
    const until = entries[index + 1]?.start ?? end;
    // Clock skew can put `now` before the last entry; a negative span would corrupt the totals.
    totals[entry.status] += Math.max(0, until - entry.start);
  }
  return totals;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T|$)/;

function parseInstant(value: string, what: string): number {
  // Date.parse alone also accepts locale formats like "March 7"; stored timestamps must be ISO.
  const ms = ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${what} is not an ISO 8601 timestamp: ${JSON.stringify(value)} (use e.g. 2025-01-31T09:00:00Z)`,
    );
  }
  return ms;
}
