import { describe, expect, it } from 'vitest';
import { CONVENTIONAL_TYPES, defaultConfig } from '../config.js';
import { titleFormat } from './title-format.js';

function run(title: string, types?: string[]) {
  const config = { ...defaultConfig().rules['title-format'], ...(types === undefined ? {} : { types }) };
  return titleFormat.evaluate(
    { now: '2026-03-10T12:00:00Z', pr: { title, body: null, branch: null, author: null } },
    config,
    { timezone: 'UTC', trunk: 'main' },
  );
}

describe('title-format rule', () => {
  it('needs no gathered facts', () => {
    expect(titleFormat.id).toBe('title-format');
    expect(titleFormat.needs).toEqual([]);
  });

  it.each([
    { title: 'feat: x', type: 'feat', scope: null, breaking: false, bump: 'minor' },
    { title: 'fix(api): y', type: 'fix', scope: 'api', breaking: false, bump: 'patch' },
    { title: 'feat!: z', type: 'feat', scope: null, breaking: true, bump: 'major' },
    { title: 'fix(api)!: drop v1', type: 'fix', scope: 'api', breaking: true, bump: 'major' },
    { title: 'revert: feat: x', type: 'revert', scope: null, breaking: false, bump: 'patch' },
    { title: 'Revert "feat: x"', type: 'revert', scope: null, breaking: false, bump: 'patch' },
    { title: 'docs: explain flags', type: 'docs', scope: null, breaking: false, bump: null },
    { title: 'chore(deps): bump zod', type: 'chore', scope: 'deps', breaking: false, bump: null },
    { title: 'FEAT: shouted', type: 'feat', scope: null, breaking: false, bump: 'minor' },
    { title: '  feat: padded  ', type: 'feat', scope: null, breaking: false, bump: 'minor' },
  ])('passes "$title"', ({ title, type, scope, breaking, bump }) => {
    const outcome = run(title);
    expect(outcome.status).toBe('pass');
    expect(outcome.details).toMatchObject({ type, scope, breaking, bump });
    expect(outcome.message).toContain(type);
    expect(outcome.message).toContain(bump === null ? 'releases nothing' : `releases a ${bump} version`);
  });

  // Conventional Commits 1.0.0: the type (and optional scope and "!") is followed by a REQUIRED
  // colon and space, then a description.
  it.each([
    { title: 'add stuff', expected: 'is not a Conventional Commit' },
    { title: 'feat:no space', expected: 'is not a Conventional Commit' },
    { title: 'feat : space before colon', expected: 'is not a Conventional Commit' },
    { title: 'feat(api) y', expected: 'is not a Conventional Commit' },
    { title: ': no type', expected: 'is not a Conventional Commit' },
    { title: 'feat: ', expected: 'is not a Conventional Commit' },
    { title: 'feat(api):   ', expected: 'is not a Conventional Commit' },
    { title: 'unknown: x', expected: '"unknown" is not an allowed type' },
    { title: 'feature: x', expected: '"feature" is not an allowed type' },
    { title: '', expected: 'the title is empty' },
    { title: '   ', expected: 'the title is empty' },
  ])('fails "$title"', ({ title, expected }) => {
    const outcome = run(title);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain(expected);
    expect(outcome.message).toContain('feat');
  });

  it.each(CONVENTIONAL_TYPES.map((type) => [type]))('allows the default type %s', (type) => {
    expect(run(`${type}: something`).status).toBe('pass');
  });

  it('uses the configured types', () => {
    expect(run('feat: x', ['fix', 'wip']).status).toBe('fail');
    expect(run('wip: x', ['fix', 'wip']).status).toBe('pass');
    expect(run('feat: x', ['fix', 'wip']).message).toContain('fix, wip');
  });
});
