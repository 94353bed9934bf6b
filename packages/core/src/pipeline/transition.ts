// The one way a run or its steps change: an event in, the new state and the log records out, or a typed refusal.
import { assertNever } from '../shared/assert-never.js';
import type { RunEvent, RunEventType, RunLogRecord, RunTransitionError, RunTransitionErrorCode } from './events.js';
import { canRunMove, RUN_TRANSITIONS, type RunState, type RunStatus } from './run.js';
import {
  canStepMove,
  isStepActive,
  isStepDone,
  isStepTerminal,
  recoveryDecision,
  STEP_TRANSITIONS,
  type StepState,
  type StepStatus,
  stepKindInfo,
  stepLabel,
} from './step.js';

export type RunTransitionResult<R extends RunState> =
  | { ok: true; state: R; records: RunLogRecord[] }
  | { ok: false; error: RunTransitionError };

type Applied<R extends RunState> = { state: R; records: RunLogRecord[] };

/** Applies one event. Pure: the caller appends the records and stores the state in one transaction. */
export function transition<R extends RunState>(run: R, event: RunEvent): RunTransitionResult<R> {
  try {
    const applied = apply(run, event);
    return { ok: true, ...applied };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

// Thrown only inside this module, so each check reads as one line; transition() turns it into a result.
class Refusal extends Error {
  constructor(
    readonly code: RunTransitionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function apply<R extends RunState>(run: R, event: RunEvent): Applied<R> {
  // A step event on a run that is not under way is wrong whatever the step: say that first.
  if (event.type.startsWith('step.')) requireRunning(run);
  switch (event.type) {
    case 'run.start':
      return moveRun(run, event.type, 'running', null);
    case 'run.succeed': {
      const unfinished = run.status === 'running' ? run.steps.find((step) => !isStepDone(step.status)) : undefined;
      if (unfinished) {
        throw new Refusal(
          'steps-unfinished',
          `run ${run.id} cannot succeed while ${stepLabel(unfinished)} is ${unfinished.status}: every step must succeed or be skipped first`,
        );
      }
      return moveRun(run, event.type, 'succeeded', null);
    }
    case 'run.fail':
      return failRun(run, event.type, requireReason(event.reason, `fail run ${run.id}`));
    case 'run.cancel': {
      const reason = requireReason(event.reason, `cancel run ${run.id}`);
      const moved = moveRun(run, event.type, 'canceled', reason);
      return cascade(moved, event.type, (step) => !isStepTerminal(step.status), 'canceled', `canceled: ${reason}`);
    }
    case 'run.recover':
      return recover(run);
    case 'step.start': {
      const step = orderedStep(run, event.step, 'start');
      if (step.kind === 'deploy' && step.attempts > 0) {
        throw new Refusal(
          'deploy-already-started',
          `${stepLabel(step)} of run ${run.id} was already started once: a deploy is never executed twice for the same run, start a new run instead`,
        );
      }
      return moveStep(run, step, event.type, 'running', null, step.attempts + 1);
    }
    case 'step.succeed': {
      const step = findStep(run, event.step);
      return moveStep(run, step, event.type, 'succeeded', blankToNull(event.reason), step.attempts);
    }
    case 'step.fail': {
      const step = findStep(run, event.step);
      const reason = requireReason(event.reason, `fail ${stepLabel(step)}`);
      return moveStep(run, step, event.type, 'failed', reason, step.attempts);
    }
    case 'step.hold': {
      const step = findStep(run, event.step);
      if (!stepKindInfo(step.kind).canWait) {
        throw new Refusal(
          'cannot-wait',
          `${stepLabel(step)} cannot wait for a decision: only a monitor step holds; succeed or fail it instead`,
        );
      }
      const reason = requireReason(event.reason, `hold ${stepLabel(step)}`);
      return moveStep(run, step, event.type, 'waiting', reason, step.attempts);
    }
    case 'step.skip': {
      const step = orderedStep(run, event.step, 'skip');
      const reason = requireReason(event.reason, `skip ${stepLabel(step)}`);
      return moveStep(run, step, event.type, 'skipped', reason, step.attempts);
    }
    default:
      return assertNever(event, 'run event');
  }
}

function moveRun<R extends RunState>(run: R, event: RunEventType, to: RunStatus, reason: string | null): Applied<R> {
  if (!canRunMove(run.status, to)) {
    const next = RUN_TRANSITIONS[run.status];
    const hint =
      next.length === 0
        ? `${run.status} is final: start a new run to try again`
        : `from ${run.status} it can go to ${joinOr(next)}`;
    throw new Refusal('illegal-transition', `run ${run.id} cannot go from ${run.status} to ${to}: ${hint}`);
  }
  return {
    state: { ...run, status: to, reason },
    records: [{ subject: 'run', runId: run.id, event, from: run.status, to, reason }],
  };
}

function failRun<R extends RunState>(run: R, event: RunEventType, reason: string): Applied<R> {
  const active = run.steps.find((step) => isStepActive(step.status));
  if (active) {
    throw new Refusal(
      'steps-unfinished',
      `run ${run.id} cannot fail while ${stepLabel(active)} is ${active.status}: fail that step, or cancel the run`,
    );
  }
  const moved = moveRun(run, event, 'failed', reason);
  return cascade(moved, event, (step) => step.status === 'pending', 'skipped', `skipped: the run failed (${reason})`);
}

/** Moves every step that `which` picks to `to`, after a run-level move, appending one record per step. */
function cascade<R extends RunState>(
  applied: Applied<R>,
  event: RunEventType,
  which: (step: StepState) => boolean,
  to: StepStatus,
  reason: string,
): Applied<R> {
  const { state } = applied;
  const records = [...applied.records];
  const steps = state.steps.map((step) => {
    if (!which(step)) return step;
    records.push(stepRecord(state.id, event, step, to, step.attempts, reason));
    return { ...step, status: to, reason };
  });
  return { state: { ...state, steps }, records };
}

function recover<R extends RunState>(run: R): Applied<R> {
  if (run.status !== 'running') {
    throw new Refusal(
      'run-not-running',
      `run ${run.id} is ${run.status}: only a running run has work a restart could have interrupted`,
    );
  }
  let applied: Applied<R> = { state: run, records: [] };
  for (const step of run.steps) {
    if (step.status !== 'running') continue;
    const decision = recoveryDecision(step);
    switch (decision.action) {
      case 'retry': {
        const next = moveStep(applied.state, step, 'run.recover', 'pending', decision.reason, step.attempts);
        applied = { state: next.state, records: [...applied.records, ...next.records] };
        break;
      }
      case 'fail': {
        const failed = moveStep(applied.state, step, 'run.recover', 'failed', decision.reason, step.attempts);
        const ended = failRun(failed.state, 'run.recover', decision.reason);
        return { state: ended.state, records: [...applied.records, ...failed.records, ...ended.records] };
      }
      default:
        return assertNever(decision, 'recovery decision');
    }
  }
  return applied;
}

function moveStep<R extends RunState>(
  run: R,
  step: StepState,
  event: RunEventType,
  to: StepStatus,
  reason: string | null,
  attempts: number,
): Applied<R> {
  if (run.status !== 'running') {
    const hint =
      run.status === 'queued'
        ? 'start the run before its steps'
        : "a finished run's steps never change: start a new run";
    throw new Refusal('run-not-running', `run ${run.id} is ${run.status}: ${hint}`);
  }
  if (!canStepMove(step.status, to)) {
    const next = STEP_TRANSITIONS[step.status];
    const hint = next.length === 0 ? `${step.status} is final` : `from ${step.status} it can go to ${joinOr(next)}`;
    throw new Refusal('illegal-transition', `${stepLabel(step)} cannot go from ${step.status} to ${to}: ${hint}`);
  }
  const moved: StepState = { ...step, status: to, reason, attempts };
  return {
    state: { ...run, steps: run.steps.map((each) => (each.index === step.index ? moved : each)) },
    records: [stepRecord(run.id, event, step, to, attempts, reason)],
  };
}

function requireRunning(run: RunState): void {
  if (run.status === 'running') return;
  const hint =
    run.status === 'queued' ? 'start the run before its steps' : "a finished run's steps never change: start a new run";
  throw new Refusal('run-not-running', `run ${run.id} is ${run.status}: ${hint}`);
}

function stepRecord(
  runId: string,
  event: RunEventType,
  step: StepState,
  to: StepStatus,
  attempts: number,
  reason: string | null,
): RunLogRecord {
  return { subject: 'step', runId, event, step: step.index, kind: step.kind, from: step.status, to, attempts, reason };
}

function findStep(run: RunState, index: number): StepState {
  const step = run.steps.find((each) => each.index === index);
  if (step) return step;
  const range = run.steps.length === 0 ? 'it has no steps' : `its steps are 1 to ${run.steps.length}`;
  throw new Refusal('unknown-step', `run ${run.id} has no step ${index + 1}: ${range}`);
}

/** Steps run one after another: the step must be the next one, with no other step active. */
function orderedStep(run: RunState, index: number, verb: 'start' | 'skip'): StepState {
  const step = findStep(run, index);
  if (run.status === 'running' && step.status === 'pending') {
    const blocking = run.steps.find((each) => each.index < index && !isStepDone(each.status));
    if (blocking) {
      throw new Refusal(
        'step-out-of-order',
        `${stepLabel(step)} cannot ${verb} while ${stepLabel(blocking)} is ${blocking.status}: steps run one after another`,
      );
    }
  }
  return step;
}

function requireReason(reason: string | undefined, action: string): string {
  const text = blankToNull(reason);
  if (text === null) throw new Refusal('reason-required', `give a reason to ${action}`);
  return text;
}

function blankToNull(text: string | undefined): string | null {
  return text === undefined || text.trim() === '' ? null : text.trim();
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
