// Which status moves are legal, and what a move must record (who blocks it, why it was canceled).
import { type Status, statusLabel } from './status.js';

/**
 * The legal moves. Kept as data so the board, the CLI and the API can all list the next steps.
 * - blocked returns to working when unblocked, whatever status it was blocked from.
 * - preparing-handoff and handoff go back to working when a production rollback happens.
 * - canceled can only be reopened into the backlog, to go through planning again.
 * - completed is final: the task was merged and deployed; follow-up work is a new task.
 */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  backlog: ['planning', 'canceled'],
  planning: ['ready-to-start', 'backlog', 'canceled'],
  'ready-to-start': ['working', 'planning', 'canceled'],
  working: ['acceptance', 'blocked', 'preparing-handoff', 'ready-to-start', 'canceled'],
  acceptance: ['working', 'preparing-handoff', 'blocked', 'canceled'],
  blocked: ['working', 'canceled'],
  'preparing-handoff': ['handoff', 'working'],
  handoff: ['completed', 'working'],
  canceled: ['backlog'],
  completed: [],
};

export interface TransitionInput {
  /** Who or what the task waits for; required to enter blocked. */
  blockedBy?: string;
  /** Why the task was dropped; required to enter canceled. */
  reason?: string;
}

export type TransitionErrorCode = 'illegal-transition' | 'reason-required' | 'same-status';

export type TransitionCheck = { ok: true } | { ok: false; code: TransitionErrorCode; message: string };

export function nextStatuses(from: Status): readonly Status[] {
  return TRANSITIONS[from];
}

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

export function checkTransition(from: Status, to: Status, input: TransitionInput = {}): TransitionCheck {
  if (from === to) {
    return {
      ok: false,
      code: 'same-status',
      message: `the task is already in ${statusLabel(from)}: ${reachableHint(from)}`,
    };
  }
  if (!canTransition(from, to)) {
    return {
      ok: false,
      code: 'illegal-transition',
      message: `a task cannot move from ${statusLabel(from)} to ${statusLabel(to)}: ${reachableHint(from)}`,
    };
  }
  if (to === 'blocked' && isBlank(input.blockedBy)) {
    return {
      ok: false,
      code: 'reason-required',
      message: 'say who or what the task waits for (blockedBy) to move it to BLOCKED',
    };
  }
  if (to === 'canceled' && isBlank(input.reason)) {
    return {
      ok: false,
      code: 'reason-required',
      message: 'give a reason to move the task to CANCELED',
    };
  }
  return { ok: true };
}

function reachableHint(from: Status): string {
  const next = TRANSITIONS[from];
  if (next.length === 0) {
    return `${statusLabel(from)} is final; open a new task for further work`;
  }
  return `from ${statusLabel(from)} it can move to ${joinOr(next.map(statusLabel))}`;
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}
