import { describe, expect, it } from 'vitest';
import { type Bump, type CommitClassification, classifyCommit, maxBump } from './classify-commit.js';

describe('classifyCommit', () => {
  it.each<[message: string, expected: CommitClassification]>([
    [
      'feat: add board filters',
      { type: 'feat', scope: null, subject: 'add board filters', breaking: false, bump: 'minor' },
    ],
    [
      'fix: keep WIP count after reload',
      { type: 'fix', scope: null, subject: 'keep WIP count after reload', breaking: false, bump: 'patch' },
    ],
    [
      'perf: cache the board query',
      { type: 'perf', scope: null, subject: 'cache the board query', breaking: false, bump: 'patch' },
    ],
    [
      'revert: feat: add board filters',
      { type: 'revert', scope: null, subject: 'feat: add board filters', breaking: false, bump: 'patch' },
    ],
    [
      'feat(board): drag cards',
      { type: 'feat', scope: 'board', subject: 'drag cards', breaking: false, bump: 'minor' },
    ],
    [
      'fix(api/v1): 404 on tasks',
      { type: 'fix', scope: 'api/v1', subject: '404 on tasks', breaking: false, bump: 'patch' },
    ],
    [
      'feat!: drop the v1 API',
      { type: 'feat', scope: null, subject: 'drop the v1 API', breaking: true, bump: 'major' },
    ],
    [
      'fix(api)!: rename task.key',
      { type: 'fix', scope: 'api', subject: 'rename task.key', breaking: true, bump: 'major' },
    ],
    [
      'chore!: require Node 22',
      { type: 'chore', scope: null, subject: 'require Node 22', breaking: true, bump: 'major' },
    ],
    [
      'feat: new config\n\nBREAKING CHANGE: `wip` moved under `board`',
      { type: 'feat', scope: null, subject: 'new config', breaking: true, bump: 'major' },
    ],
    [
      'refactor(config): new layout\n\nBody text.\n\nBREAKING-CHANGE: `wip` moved under `board`',
      { type: 'refactor', scope: 'config', subject: 'new layout', breaking: true, bump: 'major' },
    ],
    ['Feat: uppercase type', { type: 'feat', scope: null, subject: 'uppercase type', breaking: false, bump: 'minor' }],
    ['docs: explain WIP', { type: 'docs', scope: null, subject: 'explain WIP', breaking: false, bump: null }],
    ['chore(deps): bump zod', { type: 'chore', scope: 'deps', subject: 'bump zod', breaking: false, bump: null }],
    ['ci: cache npm', { type: 'ci', scope: null, subject: 'cache npm', breaking: false, bump: null }],
    ['update readme', { type: null, scope: null, subject: 'update readme', breaking: false, bump: null }],
    ['feat add filters', { type: null, scope: null, subject: 'feat add filters', breaking: false, bump: null }],
    [
      'Merge pull request #12 from acme/feature/TF-12-x',
      {
        type: null,
        scope: null,
        subject: 'Merge pull request #12 from acme/feature/TF-12-x',
        breaking: false,
        bump: null,
      },
    ],
    [': no type', { type: null, scope: null, subject: ': no type', breaking: false, bump: null }],
    [
      'Revert "feat: add board filters"\n\nThis reverts commit 1a2b3c4d.',
      { type: 'revert', scope: null, subject: 'feat: add board filters', breaking: false, bump: 'patch' },
    ],
    [
      'Revert "fix: x (#14)" (#15)',
      { type: 'revert', scope: null, subject: 'fix: x (#14)', breaking: false, bump: 'patch' },
    ],
  ])('%j', (message, expected) => {
    expect(classifyCommit(message)).toEqual(expected);
  });

  it('treats a BREAKING CHANGE footer as major even under a non-conventional title', () => {
    expect(classifyCommit('rework config\n\nBREAKING CHANGE: new layout')).toMatchObject({
      type: null,
      breaking: true,
      bump: 'major',
    });
  });

  it('does not mistake "breaking change" prose in the body for a footer', () => {
    expect(classifyCommit('fix: tidy\n\nThis is not a breaking change at all.')).toMatchObject({
      breaking: false,
      bump: 'patch',
    });
  });
});

describe('maxBump', () => {
  it.each<[Bump | null, Bump | null, Bump | null]>([
    [null, null, null],
    [null, 'patch', 'patch'],
    ['minor', null, 'minor'],
    ['patch', 'minor', 'minor'],
    ['major', 'minor', 'major'],
    ['minor', 'major', 'major'],
  ])('max(%s, %s) is %s', (a, b, expected) => {
    expect(maxBump(a, b)).toBe(expected);
  });
});
