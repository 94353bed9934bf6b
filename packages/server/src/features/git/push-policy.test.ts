import { ZERO_SHA } from '@trunkflow/git';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../platform/auth/roles.js';
import { decidePush, type PushContext, updateLanded } from './push-policy.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function context(overrides: Partial<PushContext> & { ref?: string; oldSha?: string; newSha?: string }): PushContext {
  const { ref = 'refs/heads/feature/TF-1-x', oldSha = ZERO_SHA, newSha = A, ...rest } = overrides;
  return {
    updates: [{ ref, oldSha, newSha }],
    trunk: 'main',
    project: 'shop',
    pusherId: 'u-dev',
    openPulls: [{ branch: 'feature/TF-1-x', number: 4, authorId: 'u-alice', author: 'alice' }],
    trunkExists: true,
    role: 'developer',
    allowDirectTrunkPush: false,
    ...rest,
  };
}

describe('decidePush', () => {
  it.each<[string, Partial<PushContext> & { ref?: string; newSha?: string; oldSha?: string }, boolean, string?]>([
    ['a developer pushes a feature branch', {}, true],
    [
      'a developer deletes a feature branch with no open PR',
      { ref: 'refs/heads/feature/TF-2-y', oldSha: A, newSha: ZERO_SHA },
      true,
    ],
    [
      "a developer deletes another's open PR branch",
      { oldSha: A, newSha: ZERO_SHA },
      false,
      'open pull request #4 by alice: only alice or a maintainer may delete it',
    ],
    ["a developer force-pushes another's open PR branch", { oldSha: A, newSha: B }, true],
    ['the PR author deletes their own branch', { oldSha: A, newSha: ZERO_SHA, pusherId: 'u-alice' }, true],
    ["a maintainer deletes another's open PR branch", { oldSha: A, newSha: ZERO_SHA, role: 'maintainer' }, true],
    [
      'a maintainer creates trunk in an empty repository',
      { ref: 'refs/heads/main', trunkExists: false, role: 'maintainer' },
      true,
    ],
    ['an admin creates trunk', { ref: 'refs/heads/main', trunkExists: false, role: 'admin' }, true],
    ['a developer creates trunk', { ref: 'refs/heads/main', trunkExists: false }, false, 'needs a maintainer'],
    [
      'a maintainer pushes to an existing trunk',
      { ref: 'refs/heads/main', oldSha: A, newSha: B, role: 'maintainer' },
      false,
      'direct pushes to main are refused',
    ],
    [
      'a developer pushes to trunk where the project allows it',
      { ref: 'refs/heads/main', oldSha: A, newSha: B, allowDirectTrunkPush: true },
      true,
    ],
    [
      'anyone deletes trunk',
      { ref: 'refs/heads/main', oldSha: A, newSha: ZERO_SHA, role: 'admin', allowDirectTrunkPush: true },
      false,
      'cannot be deleted',
    ],
    ['a branch name with a space', { ref: 'refs/heads/bad name' }, false, 'contains a space'],
    ['a branch name with ..', { ref: 'refs/heads/a..b' }, false, 'contains ".."'],
    ['a developer pushes a tag', { ref: 'refs/tags/v1.0.0' }, false, 'only maintainers'],
    ['a maintainer pushes a tag', { ref: 'refs/tags/v1.0.0', role: 'maintainer' }, true],
    ['a push to refs/notes', { ref: 'refs/notes/commits' }, false, 'only branches'],
    ['a malformed sha', { newSha: 'xyz' }, false, 'malformed'],
  ])('%s', (_name, overrides, accepted, message) => {
    const decision = decidePush(context(overrides));
    expect(decision.accepted).toBe(accepted);
    if (!decision.accepted && message) expect(decision.messages.join('\n')).toContain(message);
  });

  it('refuses the whole push when one of several updates is refused, naming only the bad one', () => {
    const decision = decidePush({
      ...context({}),
      updates: [
        { ref: 'refs/heads/ok', oldSha: ZERO_SHA, newSha: A },
        { ref: 'refs/heads/main', oldSha: A, newSha: B },
      ],
      role: 'developer' as Role,
    });
    expect(decision).toEqual({ accepted: false, messages: [expect.stringContaining('direct pushes to main')] });
  });
});

describe('updateLanded', () => {
  const C = 'c'.repeat(40);
  const D = 'd'.repeat(40);
  // B descends from A; nothing else descends from anything.
  const ancestry = async (ancestor: string, descendant: string) => ancestor === A && descendant === B;

  it.each([
    { name: 'a ref at the new sha', update: { oldSha: ZERO_SHA, newSha: A }, current: A, landed: true },
    { name: 'a ref still at the old sha', update: { oldSha: A, newSha: B }, current: A, landed: false },
    {
      name: 'a new branch that is not there',
      update: { oldSha: ZERO_SHA, newSha: A },
      current: ZERO_SHA,
      landed: false,
    },
    { name: 'a deletion that happened', update: { oldSha: A, newSha: ZERO_SHA }, current: ZERO_SHA, landed: true },
    { name: 'a deletion whose ref moved on', update: { oldSha: A, newSha: ZERO_SHA }, current: C, landed: false },
    { name: 'a ref a later push built on', update: { oldSha: ZERO_SHA, newSha: A }, current: B, landed: true },
    {
      name: 'a ref another writer moved',
      update: { oldSha: C, newSha: A },
      current: D,
      landed: false,
    },
  ])('says $landed for $name', async ({ update, current, landed }) => {
    expect(await updateLanded({ ref: 'refs/heads/feature/TF-1-x', ...update }, current, ancestry)).toBe(landed);
  });
});
