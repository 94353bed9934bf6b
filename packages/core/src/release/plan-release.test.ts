import { describe, expect, it } from 'vitest';
import { type PlanReleaseInput, planRelease } from './plan-release.js';
import { ReleaseError } from './release-error.js';

let n = 0;
function commits(...messages: string[]) {
  return messages.map((message) => {
    n += 1;
    return { sha: `${n}`.padStart(40, 'c'), message };
  });
}

describe('planRelease', () => {
  it.each<
    [
      name: string,
      input: PlanReleaseInput,
      bump: string | null,
      current: string | null,
      next: string | null,
      tag: string | null,
    ]
  >([
    ['fix → patch', { lastTag: 'v1.2.3', commits: commits('fix: a') }, 'patch', '1.2.3', '1.2.4', 'v1.2.4'],
    ['perf → patch', { lastTag: 'v1.2.3', commits: commits('perf: a') }, 'patch', '1.2.3', '1.2.4', 'v1.2.4'],
    [
      'revert → patch',
      { lastTag: 'v1.2.3', commits: commits('Revert "feat: a"') },
      'patch',
      '1.2.3',
      '1.2.4',
      'v1.2.4',
    ],
    ['feat → minor', { lastTag: 'v1.2.3', commits: commits('feat(board): a') }, 'minor', '1.2.3', '1.3.0', 'v1.3.0'],
    ['! → major', { lastTag: 'v1.2.3', commits: commits('feat(api)!: a') }, 'major', '1.2.3', '2.0.0', 'v2.0.0'],
    [
      'BREAKING CHANGE footer → major',
      { lastTag: 'v1.2.3', commits: commits('fix: a\n\nBREAKING CHANGE: b') },
      'major',
      '1.2.3',
      '2.0.0',
      'v2.0.0',
    ],
    [
      'BREAKING-CHANGE footer → major',
      { lastTag: 'v1.2.3', commits: commits('fix: a\n\nBREAKING-CHANGE: b') },
      'major',
      '1.2.3',
      '2.0.0',
      'v2.0.0',
    ],
    [
      'mixed list: highest wins',
      { lastTag: 'v1.2.3', commits: commits('fix: a', 'docs: b', 'feat: c', 'perf: d', 'update readme') },
      'minor',
      '1.2.3',
      '1.3.0',
      'v1.3.0',
    ],
    [
      'mixed list with a break',
      { lastTag: 'v1.2.3', commits: commits('feat: a', 'chore!: b', 'fix: c') },
      'major',
      '1.2.3',
      '2.0.0',
      'v2.0.0',
    ],
    [
      'only non-releasable commits',
      { lastTag: 'v1.2.3', commits: commits('docs: a', 'chore: b', 'wip') },
      null,
      '1.2.3',
      null,
      null,
    ],
    ['no commits', { lastTag: 'v1.2.3', commits: [] }, null, '1.2.3', null, null],
    [
      'first release from feat',
      { lastTag: null, commits: commits('feat: a', 'fix: b') },
      'minor',
      null,
      '0.1.0',
      'v0.1.0',
    ],
    ['first release from fix', { lastTag: null, commits: commits('fix: a') }, 'patch', null, '0.0.1', 'v0.0.1'],
    ['first release from a break', { lastTag: null, commits: commits('feat!: a') }, 'major', null, '1.0.0', 'v1.0.0'],
    [
      'first release with nothing releasable',
      { lastTag: null, commits: commits('chore: init') },
      null,
      null,
      null,
      null,
    ],
    [
      'pre-1.0 feat stays minor',
      { lastTag: 'v0.4.1', commits: commits('feat: a') },
      'minor',
      '0.4.1',
      '0.5.0',
      'v0.5.0',
    ],
    [
      'prerelease last tag',
      { lastTag: 'v2.0.0-rc.1', commits: commits('fix: a') },
      'patch',
      '2.0.0-rc.1',
      '2.0.0',
      'v2.0.0',
    ],
    [
      'custom prefix',
      { lastTag: 'app@1.0.0', tagPrefix: 'app@', commits: commits('feat: a') },
      'minor',
      '1.0.0',
      '1.1.0',
      'app@1.1.0',
    ],
    [
      'empty prefix',
      { lastTag: '1.0.0', tagPrefix: '', commits: commits('fix: a') },
      'patch',
      '1.0.0',
      '1.0.1',
      '1.0.1',
    ],
    [
      'first release with a custom prefix',
      { lastTag: null, tagPrefix: 'release-', commits: commits('fix: a') },
      'patch',
      null,
      '0.0.1',
      'release-0.0.1',
    ],
    [
      'HEAD already tagged',
      { lastTag: 'v1.2.3', headTags: ['v1.3.0'], commits: commits('feat: a') },
      null,
      '1.2.3',
      null,
      null,
    ],
    [
      'a non-version tag on HEAD does not stop a release',
      { lastTag: 'v1.2.3', headTags: ['demo'], commits: commits('fix: a') },
      'patch',
      '1.2.3',
      '1.2.4',
      'v1.2.4',
    ],
    [
      'a tag with another prefix on HEAD does not count',
      { lastTag: 'v1.2.3', headTags: ['app@1.0.0'], commits: commits('fix: a') },
      'patch',
      '1.2.3',
      '1.2.4',
      'v1.2.4',
    ],
  ])('%s', (_name, input, bump, current, next, tag) => {
    const plan = planRelease(input);
    expect({ bump: plan.bump, current: plan.currentVersion, next: plan.nextVersion, tag: plan.nextTag }).toEqual({
      bump,
      current,
      next,
      tag,
    });
    expect(plan.reason).not.toBe('');
    expect(plan.commits).toHaveLength(input.commits.length);
  });

  it('lists each commit with its bump, type and subject', () => {
    const input = commits('feat(board): drag cards', 'docs: readme');
    const plan = planRelease({ lastTag: 'v1.0.0', commits: input });
    expect(plan.commits).toEqual([
      { sha: input[0]?.sha, bump: 'minor', type: 'feat', scope: 'board', subject: 'drag cards', breaking: false },
      { sha: input[1]?.sha, bump: null, type: 'docs', scope: null, subject: 'readme', breaking: false },
    ]);
  });

  it.each<[name: string, input: PlanReleaseInput, reason: RegExp]>([
    [
      'release',
      { lastTag: 'v1.0.0', commits: [{ sha: 'abcdef0123', message: 'feat(board): drag' }] },
      /minor bump from 1 commit since v1.0.0 \(from abcdef0 "feat\(board\): drag"\): v1.0.0 → v1.1.0/,
    ],
    ['first release', { lastTag: null, commits: commits('fix: a') }, /first release v0.0.1/],
    ['no commits', { lastTag: 'v1.0.0', commits: [] }, /no commits since v1.0.0/],
    [
      'nothing releasable',
      { lastTag: 'v1.0.0', commits: commits('docs: a', 'ci: b') },
      /none of the 2 commits since v1.0.0 is a feat, fix, perf, revert or breaking change/,
    ],
    [
      'HEAD tagged',
      { lastTag: 'v1.0.0', headTags: ['v1.1.0'], commits: commits('feat: a') },
      /HEAD is already tagged v1.1.0: no new tag/,
    ],
  ])('explains the %s plan', (_name, input, reason) => {
    expect(planRelease(input).reason).toMatch(reason);
  });

  it.each<[lastTag: string, tagPrefix: string | undefined]>([
    ['1.2.3', undefined],
    ['v1.2', undefined],
    ['latest', undefined],
    ['v1.2.3', 'app@'],
    ['v1.2.3', ''],
  ])('rejects last tag %j with prefix %j and says how to fix it', (lastTag, tagPrefix) => {
    const run = () => planRelease({ lastTag, tagPrefix, commits: commits('fix: a') });
    expect(run).toThrow(ReleaseError);
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ReleaseError);
      const releaseError = error as ReleaseError;
      expect(releaseError.code).toBe('invalid-last-tag');
      expect(releaseError.name).toBe('ReleaseError');
      expect(releaseError.message).toContain(`"${lastTag}" is not a version tag`);
      expect(releaseError.message).toContain(`${tagPrefix ?? 'v'}1.2.3`);
      expect(releaseError.message).toMatch(/set the tag prefix/);
    }
  });

  it('rejects an invalid last tag even when HEAD is tagged', () => {
    expect(() => planRelease({ lastTag: 'nope', headTags: ['v1.0.0'], commits: [] })).toThrow(ReleaseError);
  });
});
