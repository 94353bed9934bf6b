import { describe, expect, it } from 'vitest';
import type { Status } from './status.js';
import { type StatusEntry, timeInStatus } from './time-in-status.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('timeInStatus', () => {
  it.each<[name: string, history: StatusEntry[], now: string, expected: Partial<Record<Status, number>>]>([
    ['empty history', [], '2025-01-01T10:00:00Z', {}],
    [
      'one status runs until now',
      [{ status: 'backlog', at: '2025-01-01T09:00:00Z' }],
      '2025-01-01T10:00:00Z',
      { backlog: HOUR },
    ],
    [
      'a walk through the board',
      [
        { status: 'backlog', at: '2025-01-01T09:00:00Z' },
        { status: 'planning', at: '2025-01-01T10:00:00Z' },
        { status: 'working', at: '2025-01-01T10:30:00Z' },
        { status: 'blocked', at: '2025-01-01T11:00:00Z' },
        { status: 'working', at: '2025-01-01T11:15:00Z' },
        { status: 'acceptance', at: '2025-01-01T12:00:00Z' },
      ],
      '2025-01-01T12:05:00Z',
      { backlog: HOUR, planning: 30 * MIN, working: 75 * MIN, blocked: 15 * MIN, acceptance: 5 * MIN },
    ],
    [
      'out-of-order entries are sorted by time',
      [
        { status: 'working', at: '2025-01-01T10:00:00Z' },
        { status: 'backlog', at: '2025-01-01T09:00:00Z' },
      ],
      '2025-01-01T10:10:00Z',
      { backlog: HOUR, working: 10 * MIN },
    ],
    [
      'time zone offsets are honoured',
      [
        { status: 'working', at: '2025-01-01T10:00:00+01:00' },
        { status: 'acceptance', at: '2025-01-01T09:30:00Z' },
      ],
      '2025-01-01T09:30:00Z',
      { working: 30 * MIN },
    ],
    [
      'now before the last entry (clock skew) counts as zero',
      [{ status: 'working', at: '2025-01-01T10:00:00Z' }],
      '2025-01-01T09:59:00Z',
      {},
    ],
  ])('%s', (_name, history, now, expected) => {
    const result = timeInStatus(history, now);
    expect(Object.keys(result)).toHaveLength(10);
    for (const [status, ms] of Object.entries(result)) {
      expect([status, ms]).toEqual([status, expected[status as Status] ?? 0]);
    }
  });

  it.each([
    [[{ status: 'working', at: 'yesterday' }], '2025-01-01T00:00:00Z', /history\[0\]\.at/],
    [[{ status: 'working', at: 'March 7, 2025' }], '2025-01-01T00:00:00Z', /history\[0\]\.at/],
    [[], 'now', /now is not an ISO 8601 timestamp/],
  ] as [StatusEntry[], string, RegExp][])('rejects bad timestamps with a clear message', (history, now, message) => {
    expect(() => timeInStatus(history, now)).toThrow(message);
  });
});
