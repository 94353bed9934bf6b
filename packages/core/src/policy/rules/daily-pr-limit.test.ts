import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import type { AuthorPullRequest, PullRequestFacts } from '../types.js';
import { dailyPrLimit } from './daily-pr-limit.js';

const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.com' };

function other(openedAt: string, ref = openedAt): AuthorPullRequest {
  return { ref, openedAt, source: 'pull-request' };
}

function run(options: {
  now: string;
  others: string[];
  timezone: string;
  max?: number;
  author?: PullRequestFacts['author'];
  openedAt?: string;
}) {
  const config = {
    ...defaultConfig().rules['daily-pr-limit'],
    ...(options.max === undefined ? {} : { max: options.max }),
  };
  return dailyPrLimit.evaluate(
    {
      now: options.now,
      pr: {
        title: 'fix: x',
        body: null,
        branch: 'fix/TF-2',
        author: options.author === undefined ? AUTHOR : options.author,
        ...(options.openedAt === undefined ? {} : { openedAt: options.openedAt }),
      },
      authorPullRequests: options.others.map((openedAt) => other(openedAt)),
    },
    config,
    { timezone: options.timezone, trunk: 'main' },
  );
}

describe('daily-pr-limit rule', () => {
  it('declares the facts it reads', () => {
    expect(dailyPrLimit.id).toBe('daily-pr-limit');
    expect(dailyPrLimit.needs).toEqual(['authorPullRequests']);
  });

  it.each([
    {
      name: 'São Paulo 23:00 and 09:00 on the same local day (UTC days differ)',
      timezone: 'America/Sao_Paulo',
      now: '2026-03-10T02:00:00Z',
      others: ['2026-03-09T12:00:00Z'],
      status: 'fail',
      day: '2026-03-09',
    },
    {
      name: 'the same instants read in UTC fall on two days',
      timezone: 'UTC',
      now: '2026-03-10T02:00:00Z',
      others: ['2026-03-09T12:00:00Z'],
      status: 'pass',
      day: '2026-03-10',
    },
    {
      name: 'São Paulo 22:00 the day before and 01:00 (one UTC day)',
      timezone: 'America/Sao_Paulo',
      now: '2026-03-10T04:00:00Z',
      others: ['2026-03-10T01:00:00Z'],
      status: 'pass',
      day: '2026-03-10',
    },
    {
      name: 'the same instants read in UTC fall on one day',
      timezone: 'UTC',
      now: '2026-03-10T04:00:00Z',
      others: ['2026-03-10T01:00:00Z'],
      status: 'fail',
      day: '2026-03-10',
    },
    {
      name: 'Tokyo 23:00 and 01:00 the next local day (one UTC day)',
      timezone: 'Asia/Tokyo',
      now: '2026-03-09T16:00:00Z',
      others: ['2026-03-09T14:00:00Z'],
      status: 'pass',
      day: '2026-03-10',
    },
    {
      name: 'Tokyo 00:10 and 23:50 of one local day (UTC days differ)',
      timezone: 'Asia/Tokyo',
      now: '2026-03-10T14:50:00Z',
      others: ['2026-03-09T15:10:00Z'],
      status: 'fail',
      day: '2026-03-10',
    },
    {
      name: 'no other PR',
      timezone: 'UTC',
      now: '2026-03-10T12:00:00Z',
      others: [],
      status: 'pass',
      day: '2026-03-10',
    },
    {
      name: 'other PRs on earlier days only',
      timezone: 'Europe/Berlin',
      now: '2026-03-10T12:00:00Z',
      others: ['2026-03-09T12:00:00Z', '2026-03-08T09:00:00Z'],
      status: 'pass',
      day: '2026-03-10',
    },
  ])('$name → $status', ({ timezone, now, others, status, day }) => {
    const outcome = run({ now, others, timezone });
    expect(outcome.status).toBe(status);
    expect(outcome.details).toMatchObject({ day, timezone, max: 1, count: status === 'fail' ? 2 : 1 });
    expect(outcome.message).toContain(day);
    expect(outcome.message).toContain(timezone);
    expect(outcome.message).toContain('Ada Lovelace');
  });

  it.each([
    { others: [], count: 1, status: 'pass' },
    { others: ['2026-03-10T08:00:00Z'], count: 2, status: 'pass' },
    { others: ['2026-03-10T08:00:00Z', '2026-03-10T09:00:00Z'], count: 3, status: 'fail' },
    { others: ['2026-03-09T08:00:00Z', '2026-03-10T09:00:00Z'], count: 2, status: 'pass' },
  ])('with max 2, $others.length other PRs → $count PRs, $status', ({ others, count, status }) => {
    const outcome = run({ now: '2026-03-10T12:00:00Z', others, timezone: 'UTC', max: 2 });
    expect(outcome.status).toBe(status);
    expect(outcome.details).toMatchObject({ count, max: 2 });
    expect(outcome.message).toContain(`${count} PR`);
  });

  it('lists only the same-day PRs as others', () => {
    const outcome = run({
      now: '2026-03-10T12:00:00Z',
      others: ['2026-03-09T23:59:59Z', '2026-03-10T00:00:00Z'],
      timezone: 'UTC',
    });
    expect(outcome.details?.others).toEqual([other('2026-03-10T00:00:00Z')]);
  });

  it('tells a failing author what to do', () => {
    const outcome = run({ now: '2026-03-10T12:00:00Z', others: ['2026-03-10T08:00:00Z'], timezone: 'UTC' });
    expect(outcome.message).toMatch(/limit of 1/);
    expect(outcome.message).toMatch(/tomorrow/);
  });

  it('skips with a reason when the author is unknown', () => {
    const outcome = run({
      now: '2026-03-10T12:00:00Z',
      others: ['2026-03-10T08:00:00Z'],
      timezone: 'UTC',
      author: null,
    });
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toMatch(/author/);
  });

  it('names the author by email when the name is empty', () => {
    const outcome = run({
      now: '2026-03-10T12:00:00Z',
      others: [],
      timezone: 'UTC',
      author: { name: '', email: 'bot@example.com' },
    });
    expect(outcome.message).toContain('bot@example.com');
    expect(outcome.details?.author).toBe('bot@example.com');
  });

  it.each([
    ['the day it was opened, not the day a later push is checked', '2026-03-10T09:00:00Z', 'fail'],
    ['a PR opened the day after the others', '2026-03-11T09:00:00Z', 'pass'],
  ] as const)('judges a PR on %s', (_name, openedAt, status) => {
    const outcome = run({
      now: '2026-03-11T15:00:00Z',
      openedAt,
      others: ['2026-03-10T08:00:00Z'],
      timezone: 'UTC',
    });
    expect(outcome.status).toBe(status);
  });

  it('says, in standalone mode, that only squash merges on trunk were counted', () => {
    const outcome = run({ now: '2026-03-10T12:00:00Z', others: ['2026-03-10T08:00:00Z'], timezone: 'UTC' });
    expect(outcome.message).toBe(
      `Ada Lovelace has 2 PRs on 2026-03-10 (UTC), above the limit of 1: fold this change into today's PR or open it tomorrow (counted without a server: this change and Ada Lovelace's squash merges on main, whose subjects end in "(#n)")`,
    );
  });

  it("counts the server's PRs without the squash-merge caveat", () => {
    const outcome = run({
      now: '2026-03-10T12:00:00Z',
      openedAt: '2026-03-10T11:00:00Z',
      others: [],
      timezone: 'UTC',
    });
    expect(outcome.message).toBe('Ada Lovelace has 1 PR on 2026-03-10 (UTC), within the limit of 1');
  });
});
