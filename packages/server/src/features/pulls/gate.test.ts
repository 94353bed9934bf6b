import { describe, expect, it } from 'vitest';
import { type GateFacts, type GateReasonCode, type GateReview, mergeGate, reviewStanding } from './gate.js';

const HEAD = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

function facts(overrides: Partial<GateFacts> = {}): GateFacts {
  return {
    project: 'shop',
    number: 7,
    state: 'open',
    draft: false,
    authorId: 'author',
    headSha: HEAD,
    trunk: 'main',
    title: 'feat: a change',
    body: '',
    pushers: [{ name: 'author', lastSha: HEAD }],
    headPusher: 'author',
    checks: { sha: HEAD, ok: true, failing: [], configError: null },
    reviews: [approve('bob')],
    requiredApprovals: 1,
    conflicts: [],
    ...overrides,
  };
}

function approve(reviewer: string, extra: Partial<GateReview> = {}): GateReview {
  return { reviewerId: reviewer, reviewer, verdict: 'approve', dismissed: false, counted: true, ...extra };
}

function requestChanges(reviewer: string): GateReview {
  return { reviewerId: reviewer, reviewer, verdict: 'request_changes', dismissed: false, counted: true };
}

function comment(reviewer: string): GateReview {
  return { reviewerId: reviewer, reviewer, verdict: 'comment', dismissed: false, counted: true };
}

describe('mergeGate', () => {
  const cases: [string, Partial<GateFacts>, GateReasonCode[], number][] = [
    ['everything holds', {}, [], 1],
    ['closed', { state: 'closed' }, ['not-open'], 1],
    ['merged, even with other problems', { state: 'merged', draft: true, checks: null, reviews: [] }, ['not-open'], 0],
    ['draft', { draft: true }, ['draft'], 1],
    ['no checks yet', { checks: null }, ['checks-missing'], 1],
    [
      'checks of an older sha',
      { checks: { sha: OTHER, ok: true, failing: [], configError: null } },
      ['stale-checks'],
      1,
    ],
    [
      'failing checks',
      { checks: { sha: HEAD, ok: false, failing: ['pr-size'], configError: null } },
      ['checks-failed'],
      1,
    ],
    [
      'invalid config only',
      { checks: { sha: HEAD, ok: false, failing: [], configError: 'trunkflow.yml: rules.x: unknown' } },
      ['checks-failed'],
      1,
    ],
    ['no reviews', { reviews: [] }, ['approvals-missing'], 0],
    ["the author's own approval", { reviews: [approve('author')] }, ['approvals-missing'], 0],
    ['a product approval does not count', { reviews: [approve('pat', { counted: false })] }, ['approvals-missing'], 0],
    [
      'a dismissed approval does not count',
      { reviews: [approve('bob', { dismissed: true })] },
      ['approvals-missing'],
      0,
    ],
    ['two required, one given', { requiredApprovals: 2 }, ['approvals-missing'], 1],
    ['two required, two given', { requiredApprovals: 2, reviews: [approve('bob'), approve('carol')] }, [], 2],
    ['zero required', { requiredApprovals: 0, reviews: [] }, [], 0],
    [
      'a later request-changes cancels the approval',
      { reviews: [approve('bob'), requestChanges('bob')] },
      ['approvals-missing', 'changes-requested'],
      0,
    ],
    ['a later approval lifts the request', { reviews: [requestChanges('bob'), approve('bob')] }, [], 1],
    ['a comment changes nothing', { reviews: [approve('bob'), comment('bob')] }, [], 1],
    [
      'request from someone else blocks despite an approval',
      { reviews: [approve('bob'), requestChanges('pat')] },
      ['changes-requested'],
      1,
    ],
    [
      'a request then a dismissed approval: the approval lifted the request',
      { reviews: [requestChanges('bob'), approve('bob', { dismissed: true })] },
      ['approvals-missing'],
      0,
    ],
    ['the author requesting changes is ignored', { reviews: [approve('bob'), requestChanges('author')] }, [], 1],
    ['conflict', { conflicts: ['src/a.ts'] }, ['conflict'], 1],
    [
      'an approval from someone who pushed to the PR',
      { pushers: [{ name: 'bob', lastSha: HEAD }], headPusher: 'bob' },
      ['approvals-missing', 'approval-from-pusher'],
      0,
    ],
    [
      'an approval from an earlier pusher does not count either',
      {
        pushers: [
          { name: 'bob', lastSha: OTHER },
          { name: 'author', lastSha: HEAD },
        ],
      },
      ['approvals-missing', 'approval-from-pusher'],
      0,
    ],
    [
      "a pusher's approval is not needed when others approved",
      { pushers: [{ name: 'bob', lastSha: HEAD }], reviews: [approve('bob'), approve('carol')] },
      [],
      1,
    ],
    ['a title with a NUL', { title: 'feat: a\u0000b' }, ['invalid-message'], 1],
    ['a body with a lone surrogate', { body: 'x \uD800 y' }, ['invalid-message'], 1],
    ['an empty title', { title: '  ' }, ['invalid-message'], 1],
    [
      'every open problem at once, in a stable order',
      {
        draft: true,
        checks: { sha: HEAD, ok: false, failing: ['title-format'], configError: null },
        reviews: [requestChanges('bob')],
        conflicts: ['x'],
      },
      ['draft', 'checks-failed', 'approvals-missing', 'changes-requested', 'conflict'],
      0,
    ],
  ];

  it.each(cases)('%s', (_name, overrides, codes, approvals) => {
    const verdict = mergeGate(facts(overrides));
    expect(verdict.reasons.map((reason) => reason.code)).toEqual(codes);
    expect(verdict.mergeable).toBe(codes.length === 0);
    expect(verdict.approvals).toBe(approvals);
  });

  it('names the failing rules and the config error', () => {
    const verdict = mergeGate(
      facts({ checks: { sha: HEAD, ok: false, failing: ['pr-size', 'linked-task'], configError: 'bad key' } }),
    );
    const reason = verdict.reasons[0];
    expect(reason?.rules).toEqual(['pr-size', 'linked-task']);
    expect(reason?.message).toContain('pr-size and linked-task failed');
    expect(reason?.message).toContain('trunkflow.yml cannot be used (bad key)');
  });

  it('lists conflicting paths and how to fix them', () => {
    const reason = mergeGate(facts({ conflicts: ['a.ts', 'b/c.ts'] })).reasons[0];
    expect(reason).toMatchObject({ code: 'conflict', paths: ['a.ts', 'b/c.ts'] });
    expect(reason?.message).toContain('a.ts and b/c.ts');
    expect(reason?.message).toContain('git pull --rebase origin main');
  });

  it('names the rule, the pusher and what to do when a pusher approved', () => {
    const verdict = mergeGate(facts({ pushers: [{ name: 'bob', lastSha: HEAD }], headPusher: 'bob' }));
    const reason = verdict.reasons.find((entry) => entry.code === 'approval-from-pusher');
    expect(reason?.message).toBe(
      `an approval must come from someone who did not push to this PR: bob made the latest push (${HEAD.slice(0, 7)}), so bob's approval does not count: ask another reviewer`,
    );
  });

  it('points an invalid title to a runnable edit command', () => {
    const reason = mergeGate(facts({ title: 'feat: \u0000' })).reasons[0];
    expect(reason?.message).toContain('the title contains a NUL byte');
    expect(reason?.message).toContain('trunkflow pr edit 7 --project shop');
  });

  it('says who requested changes', () => {
    const reason = mergeGate(facts({ reviews: [approve('carol'), requestChanges('bob')] })).reasons[0];
    expect(reason?.message).toMatch(/^bob requested changes/);
  });
});

describe('reviewStanding', () => {
  it('keeps each reviewer once, by their latest verdict', () => {
    const standing = reviewStanding(
      [approve('bob'), requestChanges('carol'), comment('bob'), approve('carol'), requestChanges('dave')],
      'author',
    );
    expect(standing).toEqual({ approvers: ['bob', 'carol'], requesters: ['dave'], pusherApprovers: [] });
  });

  it("sets a pusher's approval aside but keeps their request for changes", () => {
    const standing = reviewStanding([approve('bob'), requestChanges('carol')], 'author', new Set(['bob', 'carol']));
    expect(standing).toEqual({ approvers: [], requesters: ['carol'], pusherApprovers: ['bob'] });
  });
});
