// The squash merge as an explicit state machine: intent → ref compare-and-swap → recorded, read back from the database and git.
import { assertNever } from '@trunkflow/core';
import type { PullState } from './model.js';

/**
 * Where a merge stands, from what survives a crash:
 * - `intent`: the intent row exists and trunk does not hold its commit (the swap did not happen);
 * - `ref-updated`: the intent row exists and trunk holds its commit (the swap happened, the PR is not recorded);
 * - `recorded`: no intent row, or the PR is no longer open (merged, with its events, or closed).
 */
export type MergeState = 'intent' | 'ref-updated' | 'recorded';

/** What settling a merge in that state does. */
export type MergeSettlement = 'undo' | 'finish' | 'none';

export function mergeStateOf(facts: { intent: boolean; landed: boolean; pullState: PullState }): MergeState {
  if (!facts.intent || facts.pullState !== 'open') return 'recorded';
  return facts.landed ? 'ref-updated' : 'intent';
}

/** An interrupted merge goes forward once trunk moved, and back (the PR stays open) before. */
export function settlementOf(state: MergeState): MergeSettlement {
  switch (state) {
    case 'intent':
      return 'undo';
    case 'ref-updated':
      return 'finish';
    case 'recorded':
      return 'none';
    default:
      return assertNever(state, 'merge state');
  }
}
