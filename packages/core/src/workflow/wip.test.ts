import { describe, expect, it } from 'vitest';
import { evaluateWip, type StatusCounts, type WipLimit, type WipMove, wipLimitSchema } from './wip.js';

const execWarn3: WipLimit = { scope: { phase: 'execution' }, limit: 3, mode: 'warn' };
const execBlock3: WipLimit = { scope: { phase: 'execution' }, limit: 3, mode: 'block' };
const workingBlock2: WipLimit = { scope: { status: 'working' }, limit: 2, mode: 'block' };
const workingWarn2: WipLimit = { scope: { status: 'working' }, limit: 2, mode: 'warn' };
const transitionWarn1: WipLimit = { scope: { phase: 'transition' }, limit: 1, mode: 'warn' };

type Case = [
  name: string,
  counts: StatusCounts,
  limits: WipLimit[],
  move: WipMove | undefined,
  verdict: string,
  breachCounts: number[],
];

describe('evaluateWip', () => {
  it.each<Case>([
    ['no limits', { working: 10 }, [], undefined, 'ok', []],
    ['phase at its limit is fine', { working: 2, blocked: 1 }, [execBlock3], undefined, 'ok', []],
    ['phase over a warn limit warns', { working: 2, acceptance: 1, blocked: 1 }, [execWarn3], undefined, 'warn', [4]],
    [
      'phase over a block limit blocks',
      { working: 2, acceptance: 1, blocked: 1 },
      [execBlock3],
      undefined,
      'block',
      [4],
    ],
    ['status limit counts only that status', { working: 2, acceptance: 5 }, [workingBlock2], undefined, 'ok', []],
    ['status over its limit', { working: 3 }, [workingWarn2], undefined, 'warn', [3]],
    [
      'move into a full phase warns',
      { working: 2, acceptance: 1 },
      [execWarn3],
      { from: 'ready-to-start', to: 'working' },
      'warn',
      [4],
    ],
    [
      'move into a full phase blocks',
      { working: 2, acceptance: 1 },
      [execBlock3],
      { from: 'ready-to-start', to: 'working' },
      'block',
      [4],
    ],
    [
      'move into a phase with room',
      { working: 1, acceptance: 1 },
      [execBlock3],
      { from: 'ready-to-start', to: 'working' },
      'ok',
      [],
    ],
    ['new task (no from) counts as an arrival', { working: 2 }, [workingBlock2], { to: 'working' }, 'block', [3]],
    [
      'move within a full phase keeps its count',
      { working: 2, acceptance: 1 },
      [execBlock3],
      { from: 'acceptance', to: 'working' },
      'ok',
      [],
    ],
    [
      'move within an over-full phase is not blocked by it',
      { working: 3, acceptance: 2 },
      [execBlock3],
      { from: 'working', to: 'acceptance' },
      'ok',
      [],
    ],
    [
      'move within a phase still respects a status limit',
      { working: 2, acceptance: 1 },
      [execBlock3, workingBlock2],
      { from: 'acceptance', to: 'working' },
      'block',
      [3],
    ],
    [
      'move out of an over-full phase is allowed',
      { working: 5 },
      [execBlock3],
      { from: 'working', to: 'preparing-handoff' },
      'ok',
      [],
    ],
    [
      'move across phases judges the target phase',
      { working: 5, handoff: 1 },
      [execBlock3, transitionWarn1],
      { from: 'working', to: 'preparing-handoff' },
      'warn',
      [2],
    ],
    [
      'block wins over warn',
      { working: 2, acceptance: 1 },
      [execWarn3, workingBlock2],
      { from: 'ready-to-start', to: 'working' },
      'block',
      [4, 3],
    ],
    [
      'missing and stale-negative counts are zero',
      { working: -1 },
      [workingBlock2],
      { from: 'blocked', to: 'working' },
      'ok',
      [],
    ],
    [
      'a limit of zero blocks any arrival',
      {},
      [{ scope: { status: 'blocked' }, limit: 0, mode: 'block' }],
      { from: 'working', to: 'blocked' },
      'block',
      [1],
    ],
  ])('%s', (_name, counts, limits, move, verdict, breachCounts) => {
    const result = evaluateWip(counts, limits, move);
    expect(result.verdict).toBe(verdict);
    expect(result.breaches.map((b) => b.count)).toEqual(breachCounts);
  });

  it('reports the scope, limit, mode and an actionable message', () => {
    const result = evaluateWip({ working: 3 }, [execBlock3], { from: 'ready-to-start', to: 'working' });
    expect(result.breaches).toEqual([
      {
        scope: { phase: 'execution' },
        limit: 3,
        count: 4,
        mode: 'block',
        message: expect.stringMatching(
          /4 tasks in Execution, over its WIP limit of 3: finish or move a task out of Execution/,
        ),
      },
    ]);
  });

  it('does not mutate the counts it is given', () => {
    const counts: StatusCounts = { working: 1 };
    evaluateWip(counts, [execWarn3], { from: 'working', to: 'acceptance' });
    expect(counts).toEqual({ working: 1 });
  });

  it.each([
    [{ scope: { phase: 'execution' }, limit: 3, mode: 'warn' }, true],
    [{ scope: { status: 'working' }, limit: 0, mode: 'block' }, true],
    [{ scope: { phase: 'working' }, limit: 3, mode: 'warn' }, false],
    [{ scope: { status: 'working' }, limit: -1, mode: 'block' }, false],
    [{ scope: { status: 'working' }, limit: 1.5, mode: 'block' }, false],
    [{ scope: { status: 'working' }, limit: 1, mode: 'fail' }, false],
  ])('wipLimitSchema accepts %j: %s', (value, valid) => {
    expect(wipLimitSchema.safeParse(value).success).toBe(valid);
  });
});
