// Pipeline steps: their kinds, their statuses, the legal status moves and what a crash means for each kind.
import { assertNever } from '../shared/assert-never.js';

/** Stable ids: stored, logged and served by the API, so never rename one. */
export const STEP_KINDS = [
  'checkout',
  'install',
  'build',
  'deploy',
  'test',
  'tag',
  'monitor',
  'rollback',
  'destroy',
] as const;

export type StepKind = (typeof STEP_KINDS)[number];

/**
 * - `waiting`: the step has done its work and waits for a person (only a monitor whose window
 *   ended inconclusive does this; `promote` or `abort` ends it).
 * - `skipped`: never ran, because the run failed first or the step has nothing to do.
 */
export const STEP_STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'canceled'] as const;

export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepState {
  /** Position in the run, from 0; steps run in this order, one at a time. */
  index: number;
  kind: StepKind;
  status: StepStatus;
  /** How many times the step was started; above 1 only for a retry-safe step retried after a crash. */
  attempts: number;
  /** Why the step is in its status (a failure, a skip, a hold), or what came of it; null when nothing was said. */
  reason: string | null;
}

/**
 * The legal moves, as data so the server, the CLI and the tests can list them.
 * running → pending is the one backwards move: a retry-safe step interrupted by a crash.
 */
export const STEP_TRANSITIONS: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  pending: ['running', 'skipped', 'canceled'],
  running: ['succeeded', 'failed', 'waiting', 'canceled', 'pending'],
  waiting: ['succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  skipped: [],
  canceled: [],
};

export function canStepMove(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

export function isStepKind(value: unknown): value is StepKind {
  return typeof value === 'string' && (STEP_KINDS as readonly string[]).includes(value);
}

export function isStepStatus(value: unknown): value is StepStatus {
  return typeof value === 'string' && (STEP_STATUSES as readonly string[]).includes(value);
}

/** A finished step: it will never run again in this run. */
export function isStepTerminal(status: StepStatus): boolean {
  switch (status) {
    case 'succeeded':
    case 'failed':
    case 'skipped':
    case 'canceled':
      return true;
    case 'pending':
    case 'running':
    case 'waiting':
      return false;
    default:
      return assertNever(status, 'step status');
  }
}

/** A step that holds the run: it is executing, or waiting for a person. */
export function isStepActive(status: StepStatus): boolean {
  return status === 'running' || status === 'waiting';
}

/** A step that lets the next one start. */
export function isStepDone(status: StepStatus): boolean {
  return status === 'succeeded' || status === 'skipped';
}

export interface StepKindInfo {
  /**
   * True when running the step again after a crash is harmless, so an interrupted attempt is retried.
   * False when a second execution could act twice on the world: the run then fails with a reason.
   */
  retrySafe: boolean;
  /** Whether the step may hold in `waiting` for a person's decision. */
  canWait: boolean;
  /** Why, in one sentence: shown in the crash-recovery reason and the docs. */
  why: string;
}

export function stepKindInfo(kind: StepKind): StepKindInfo {
  switch (kind) {
    case 'checkout':
      return { retrySafe: true, canWait: false, why: 'a checkout of the same sha gives the same tree' };
    case 'install':
      return { retrySafe: true, canWait: false, why: 'installing again from the same lock file gives the same tree' };
    case 'build':
      return { retrySafe: true, canWait: false, why: 'building the same tree again gives the same build' };
    case 'deploy':
      return {
        retrySafe: false,
        canWait: false,
        why: 'a deploy is never executed twice for the same run; a half-finished one may already serve traffic',
      };
    case 'test':
      return { retrySafe: true, canWait: false, why: 'the staging tests only read the deployed environment' };
    case 'tag':
      // The tagger reads the tags at HEAD first (planRelease's headTags), so a retry finds its own tag and stops.
      return { retrySafe: true, canWait: false, why: 'a retry sees the tag already on HEAD and creates no other' };
    case 'monitor':
      return {
        retrySafe: true,
        canWait: true,
        why: 'measuring again only reads the release; the window keeps its start',
      };
    case 'rollback':
      // The rollback step records the failed deployment and the incident, keyed by the run, after the redeploy.
      return {
        retrySafe: true,
        canWait: false,
        why: 'recording the failed deployment and incident again is keyed by the run',
      };
    case 'destroy':
      return { retrySafe: true, canWait: false, why: 'destroying an environment that is already gone does nothing' };
    default:
      return assertNever(kind, 'step kind');
  }
}

export type RecoveryDecision = { action: 'retry'; reason: string } | { action: 'fail'; reason: string };

/** What to do with a step found `running` after a restart, i.e. whose start was recorded but not its end. */
export function recoveryDecision(step: Pick<StepState, 'index' | 'kind' | 'attempts'>): RecoveryDecision {
  const info = stepKindInfo(step.kind);
  const label = stepLabel(step);
  if (info.retrySafe) {
    return {
      action: 'retry',
      reason: `${label} was interrupted by a restart during attempt ${step.attempts}; retrying it: ${info.why}`,
    };
  }
  return {
    action: 'fail',
    reason: `${label} was interrupted by a restart after it started, so it is not run again: ${info.why}. Start a new run to deploy again`,
  };
}

/** "step 3 (deploy)": how messages name a step, counting from 1 as people do. */
export function stepLabel(step: Pick<StepState, 'index' | 'kind'>): string {
  return `step ${step.index + 1} (${step.kind})`;
}
