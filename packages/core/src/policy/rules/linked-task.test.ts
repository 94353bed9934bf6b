import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import { findTaskKey, linkedTask } from './linked-task.js';

function run(branch: string | null, title: string, pattern?: string) {
  const config = { ...defaultConfig().rules['linked-task'], ...(pattern === undefined ? {} : { pattern }) };
  return linkedTask.evaluate({ now: '2026-03-10T12:00:00Z', pr: { title, body: null, branch, author: null } }, config, {
    timezone: 'UTC',
    trunk: 'main',
  });
}

describe('linked-task rule', () => {
  it('needs no gathered facts', () => {
    expect(linkedTask.id).toBe('linked-task');
    expect(linkedTask.needs).toEqual([]);
  });

  it.each([
    { branch: 'feature/TF-12-short-name', title: 'feat: x', task: 'TF-12', foundIn: 'branch' },
    { branch: 'PROJ2-7', title: 'feat: x', task: 'PROJ2-7', foundIn: 'branch' },
    { branch: 'feature/short-name', title: 'feat: x (TF-12)', task: 'TF-12', foundIn: 'title' },
    { branch: null, title: 'fix(api): ABC-9 retry', task: 'ABC-9', foundIn: 'title' },
    { branch: 'feature/TF-1-a', title: 'feat: TF-2 b', task: 'TF-1', foundIn: 'branch' },
  ])('passes with $task in the $foundIn ($branch / $title)', ({ branch, title, task, foundIn }) => {
    const outcome = run(branch, title);
    expect(outcome.status).toBe('pass');
    expect(outcome.details).toEqual({ task, foundIn });
    expect(outcome.message).toContain(task);
    expect(outcome.message).toContain(foundIn);
  });

  it.each([
    { branch: 'feature/short-name', title: 'feat: x' },
    { branch: 'feature/tf-12-lowercase', title: 'feat: x' },
    { branch: 'feature/T-12', title: 'feat: x' },
    { branch: 'feature/TF-', title: 'feat: TF x' },
    { branch: null, title: 'feat: x' },
  ])('fails with no task key in $branch / $title', ({ branch, title }) => {
    const outcome = run(branch, title);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('[A-Z][A-Z0-9]+-\\d+');
    expect(outcome.message).toContain('feature/TF-12-short-name');
    expect(outcome.details).toMatchObject({ branch, title });
  });

  it.each([
    { branch: 'issue-482-retry', title: 'fix: x', status: 'pass', task: 'issue-482' },
    { branch: 'fix/x', title: 'fix: x (#17)', status: 'pass', task: '#17' },
    { branch: 'feature/TF-12', title: 'fix: TF-12', status: 'fail', task: null },
  ])('uses a custom pattern: $branch / $title → $status', ({ branch, title, status, task }) => {
    const pattern = '(?:#|issue-)\\d+';
    const outcome = run(branch, title, pattern);
    expect(outcome.status).toBe(status);
    if (task === null) expect(outcome.message).toContain(pattern);
    else expect(outcome.details?.task).toBe(task);
  });
});

describe('findTaskKey', () => {
  it.each([
    { branch: 'feature/TF-1-x', title: 'fix: y (TF-2)', key: { task: 'TF-1', foundIn: 'branch' } },
    { branch: 'feature/x', title: 'fix: y (TF-2)', key: { task: 'TF-2', foundIn: 'title' } },
    { branch: null, title: 'fix: y (TF-3)', key: { task: 'TF-3', foundIn: 'title' } },
    { branch: 'feature/x', title: 'fix: y', key: null },
  ])('finds $key.task in branch $branch, title $title', ({ branch, title, key }) => {
    expect(findTaskKey('[A-Z][A-Z0-9]+-\\d+', branch, title)).toEqual(key);
  });
});
