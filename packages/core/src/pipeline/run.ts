// Pipeline runs: their statuses (the CLI's contract), the legal status moves and a new run's state.
import { assertNever } from '../shared/assert-never.js';
import type { StepKind, StepState } from './step.js';

/** Stable ids: `trunkflow runs list --format json` serves exactly these. */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

export type TerminalRunStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'canceled'>;

export interface RunState {
  id: string;
  status: RunStatus;
  /** Every step the run will go through, planned when the run was created. */
  steps: readonly StepState[];
  /** Why the run ended as it did (a failure, a cancel); null while it goes on or when it succeeded. */
  reason: string | null;
}

/**
 * The legal moves. A finished run never moves again: a retry is a new run, so one run's log
 * stays one attempt and "never deploy twice for the same run" holds by construction.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'canceled'],
  running: ['succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

export function canRunMove(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

export function isRunTerminal(status: RunStatus): status is TerminalRunStatus {
  switch (status) {
    case 'succeeded':
    case 'failed':
    case 'canceled':
      return true;
    case 'queued':
    case 'running':
      return false;
    default:
      return assertNever(status, 'run status');
  }
}

/** A run that still needs the pipeline: it waits for its turn or is under way. */
export function isRunOpen(status: RunStatus): boolean {
  return !isRunTerminal(status);
}

/** A queued run with every step pending, ready for `admit` to start it. */
export function createRun(id: string, kinds: readonly StepKind[]): RunState {
  return {
    id,
    status: 'queued',
    reason: null,
    steps: kinds.map((kind, index) => ({ index, kind, status: 'pending', attempts: 0, reason: null })),
  };
}
