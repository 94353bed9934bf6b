import { describe, expect, it } from 'vitest';
import { mergeStateOf, settlementOf } from './merge-state.js';

describe('the merge state machine', () => {
  it.each([
    { intent: true, landed: false, pullState: 'open', state: 'intent', settlement: 'undo' },
    { intent: true, landed: true, pullState: 'open', state: 'ref-updated', settlement: 'finish' },
    { intent: false, landed: true, pullState: 'open', state: 'recorded', settlement: 'none' },
    { intent: true, landed: true, pullState: 'merged', state: 'recorded', settlement: 'none' },
    { intent: true, landed: false, pullState: 'closed', state: 'recorded', settlement: 'none' },
  ] as const)('$state with intent=$intent landed=$landed on a $pullState PR settles by $settlement', (row) => {
    const state = mergeStateOf(row);
    expect(state).toBe(row.state);
    expect(settlementOf(state)).toBe(row.settlement);
  });
});
