import { describe, expect, it } from 'vitest';
import { defaultConfig, type RuleConfig } from '../config.js';
import { branchAge } from './branch-age.js';

const NOW = '2026-03-10T12:00:00.000Z';
const HOUR_MS = 3_600_000;

function hoursBefore(hours: number): string {
  return new Date(Date.parse(NOW) - hours * HOUR_MS).toISOString();
}

function run(commitAgesHours: number[], options: { config?: Partial<RuleConfig<'branch-age'>>; trunk?: string } = {}) {
  return branchAge.evaluate(
    {
      now: NOW,
      pr: { title: 'fix: x', body: null, branch: 'fix/TF-3', author: null },
      branchCommits: commitAgesHours.map((hours, i) => ({ sha: `sha${i}`, authoredAt: hoursBefore(hours) })),
    },
    { ...defaultConfig().rules['branch-age'], ...options.config },
    { timezone: 'UTC', trunk: options.trunk ?? 'main' },
  );
}

describe('branch-age rule', () => {
  it('declares the facts it reads', () => {
    expect(branchAge.id).toBe('branch-age');
    expect(branchAge.needs).toEqual(['branchCommits']);
  });

  it.each([
    { hours: 0, status: 'pass' },
    { hours: 23, status: 'pass' },
    { hours: 24, status: 'pass' },
    { hours: 24.01, status: 'warn' },
    { hours: 25, status: 'warn' },
    { hours: 48, status: 'warn' },
    { hours: 49, status: 'fail' },
    { hours: 24 * 30, status: 'fail' },
  ])('a first commit $hours h old → $status with the default limits', ({ hours, status }) => {
    const outcome = run([hours]);
    expect(outcome.status).toBe(status);
    expect(outcome.details).toMatchObject({ firstCommit: 'sha0', ageHours: Math.round(hours * 10) / 10 });
    expect(outcome.message.trim()).not.toBe('');
  });

  it.each([
    { warnAfterDays: 0.5, failAfterDays: 1, hours: 12, status: 'pass' },
    { warnAfterDays: 0.5, failAfterDays: 1, hours: 13, status: 'warn' },
    { warnAfterDays: 0.5, failAfterDays: 1, hours: 25, status: 'fail' },
    { warnAfterDays: 3, failAfterDays: 5, hours: 49, status: 'pass' },
    { warnAfterDays: 3, failAfterDays: 5, hours: 73, status: 'warn' },
    { warnAfterDays: 3, failAfterDays: 5, hours: 121, status: 'fail' },
    { warnAfterDays: 2, failAfterDays: 2, hours: 49, status: 'fail' },
  ])(
    'warn after $warnAfterDays d, fail after $failAfterDays d: $hours h → $status',
    ({ warnAfterDays, failAfterDays, hours, status }) => {
      const outcome = run([hours], { config: { warnAfterDays, failAfterDays } });
      expect(outcome.status).toBe(status);
      expect(outcome.details).toMatchObject({ warnAfterDays, failAfterDays });
      if (status === 'fail') expect(outcome.message).toContain(`${failAfterDays} days`);
      if (status === 'warn') expect(outcome.message).toContain(`warn after ${warnAfterDays} days`);
    },
  );

  it('measures from the first (oldest) branch commit, not the latest', () => {
    const outcome = run([49, 30, 1]);
    expect(outcome.status).toBe('fail');
    expect(outcome.details?.firstCommit).toBe('sha0');
  });

  it('tells how to fix a branch that is too old, naming the trunk', () => {
    const outcome = run([72], { trunk: 'develop' });
    expect(outcome.message).toContain('3.0 days');
    expect(outcome.message).toContain('develop');
  });

  it('shows young branches in hours', () => {
    expect(run([5]).message).toContain('5.0 h');
  });

  it('skips a branch with no commits of its own, naming the trunk', () => {
    const outcome = run([], { trunk: 'develop' });
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toContain('develop');
  });
});
