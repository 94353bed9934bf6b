import { describe, expect, it } from 'vitest';
import {
  canStepMove,
  isStepActive,
  isStepDone,
  isStepKind,
  isStepStatus,
  isStepTerminal,
  recoveryDecision,
  STEP_STATUSES,
  type StepKind,
  type StepStatus,
  stepKindInfo,
  stepLabel,
} from './step.js';

// Written out by hand, not derived from STEP_TRANSITIONS, so a change to the table must change this too.
const LEGAL: readonly (readonly [StepStatus, StepStatus])[] = [
  ['pending', 'running'],
  ['pending', 'skipped'],
  ['pending', 'canceled'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'waiting'],
  ['running', 'canceled'],
  ['running', 'pending'],
  ['waiting', 'succeeded'],
  ['waiting', 'failed'],
  ['waiting', 'canceled'],
];

const pairs = STEP_STATUSES.flatMap((from) => STEP_STATUSES.map((to) => [from, to] as const));

describe('step status moves', () => {
  it.each(pairs)('%s → %s', (from, to) => {
    const legal = LEGAL.some(([a, b]) => a === from && b === to);
    expect(canStepMove(from, to)).toBe(legal);
  });
});

describe('step status predicates', () => {
  it.each<[StepStatus, terminal: boolean, active: boolean, done: boolean]>([
    ['pending', false, false, false],
    ['running', false, true, false],
    ['waiting', false, true, false],
    ['succeeded', true, false, true],
    ['failed', true, false, false],
    ['skipped', true, false, true],
    ['canceled', true, false, false],
  ])('%s: terminal %s, active %s, done %s', (status, terminal, active, done) => {
    expect(isStepTerminal(status)).toBe(terminal);
    expect(isStepActive(status)).toBe(active);
    expect(isStepDone(status)).toBe(done);
  });

  it.each<[unknown, boolean, boolean]>([
    ['deploy', true, false],
    ['running', false, true],
    ['Deploy', false, false],
    ['', false, false],
    [3, false, false],
    [null, false, false],
  ])('isStepKind(%j) is %s, isStepStatus is %s', (value, kind, status) => {
    expect(isStepKind(value)).toBe(kind);
    expect(isStepStatus(value)).toBe(status);
  });
});

describe('what a crash means for each step kind', () => {
  it.each<[StepKind, retrySafe: boolean, canWait: boolean]>([
    ['checkout', true, false],
    ['install', true, false],
    ['build', true, false],
    ['deploy', false, false],
    ['test', true, false],
    ['tag', true, false],
    ['monitor', true, true],
    ['rollback', true, false],
    ['destroy', true, false],
  ])('%s: retry-safe %s, can wait %s', (kind, retrySafe, canWait) => {
    const info = stepKindInfo(kind);
    expect({ retrySafe: info.retrySafe, canWait: info.canWait }).toEqual({ retrySafe, canWait });
    expect(info.why).not.toBe('');
    const decision = recoveryDecision({ index: 2, kind, attempts: 1 });
    expect(decision.action).toBe(retrySafe ? 'retry' : 'fail');
    expect(decision.reason).toContain(`step 3 (${kind})`);
    expect(decision.reason).toContain(info.why);
  });

  it('says a deploy is never run twice and how to deploy again', () => {
    const decision = recoveryDecision({ index: 3, kind: 'deploy', attempts: 1 });
    expect(decision).toMatchObject({ action: 'fail' });
    expect(decision.reason).toMatch(/never executed twice for the same run/);
    expect(decision.reason).toMatch(/Start a new run/);
  });

  it('names the attempt a retry follows', () => {
    expect(recoveryDecision({ index: 0, kind: 'build', attempts: 2 }).reason).toMatch(/during attempt 2; retrying/);
  });
});

describe('stepLabel', () => {
  it('counts from 1', () => {
    expect(stepLabel({ index: 0, kind: 'checkout' })).toBe('step 1 (checkout)');
  });
});
