// Work-in-progress limits per phase or status, as a soft warning or a hard block.
import * as z from 'zod';
import { PHASES, type Phase, phaseLabel, phaseOf, STATUSES, type Status, statusLabel } from './status.js';

export type WipScope = { phase: Phase } | { status: Status };

export type WipMode = 'warn' | 'block';

export interface WipLimit {
  scope: WipScope;
  limit: number;
  mode: WipMode;
}

/** For config: the same shape as `WipLimit`, validated at the boundary. */
export const wipLimitSchema = z.object({
  scope: z.union([z.object({ phase: z.enum(PHASES) }).strict(), z.object({ status: z.enum(STATUSES) }).strict()]),
  limit: z.number().int().nonnegative(),
  mode: z.enum(['warn', 'block']),
});

export interface WipMove {
  /** Absent when the task is new to the board. */
  from?: Status;
  to: Status;
}

export interface WipBreach {
  scope: WipScope;
  limit: number;
  count: number;
  mode: WipMode;
  message: string;
}

export type WipVerdict = 'ok' | 'warn' | 'block';

export interface WipEvaluation {
  verdict: WipVerdict;
  breaches: WipBreach[];
}

export type StatusCounts = Partial<Record<Status, number>>;

/**
 * Without a move: which limits the board is over right now.
 * With a move: which limits the move would break. Only scopes the move adds a task to are judged,
 * so a board already over a limit never blocks moves that leave that scope alone or drain it.
 */
export function evaluateWip(counts: StatusCounts, limits: readonly WipLimit[], move?: WipMove): WipEvaluation {
  const after = move ? applyMove(counts, move) : counts;
  const breaches: WipBreach[] = [];
  for (const wip of limits) {
    if (move && !moveEnters(wip.scope, move)) continue;
    const count = countIn(after, wip.scope);
    if (count <= wip.limit) continue;
    breaches.push({
      scope: wip.scope,
      limit: wip.limit,
      count,
      mode: wip.mode,
      message: breachMessage(wip, count, move !== undefined),
    });
  }
  const verdict: WipVerdict = breaches.some((b) => b.mode === 'block') ? 'block' : breaches.length > 0 ? 'warn' : 'ok';
  return { verdict, breaches };
}

export function wipScopeLabel(scope: WipScope): string {
  return 'phase' in scope ? phaseLabel(scope.phase) : statusLabel(scope.status);
}

function applyMove(counts: StatusCounts, move: WipMove): StatusCounts {
  const next: StatusCounts = { ...counts };
  if (move.from !== undefined) {
    next[move.from] = Math.max(0, (next[move.from] ?? 0) - 1);
  }
  next[move.to] = (next[move.to] ?? 0) + 1;
  return next;
}

function inScope(scope: WipScope, status: Status): boolean {
  return 'phase' in scope ? phaseOf(status) === scope.phase : status === scope.status;
}

// A move within a phase leaves the phase count unchanged, so it does not "enter" the phase.
function moveEnters(scope: WipScope, move: WipMove): boolean {
  return inScope(scope, move.to) && (move.from === undefined || !inScope(scope, move.from));
}

function countIn(counts: StatusCounts, scope: WipScope): number {
  let total = 0;
  for (const status of STATUSES) {
    if (inScope(scope, status)) total += Math.max(0, counts[status] ?? 0);
  }
  return total;
}

function breachMessage(wip: WipLimit, count: number, isMove: boolean): string {
  const name = wipScopeLabel(wip.scope);
  const fact = isMove
    ? `this move puts ${count} tasks in ${name}, over its WIP limit of ${wip.limit}`
    : `${name} holds ${count} tasks, over its WIP limit of ${wip.limit}`;
  const advice =
    wip.mode === 'block'
      ? `finish or move a task out of ${name} first`
      : `consider finishing a task in ${name} before taking on more`;
  return `${fact}: ${advice}`;
}
