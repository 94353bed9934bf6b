// The events that move a run and its steps, the log records they produce and the refusals' codes.
import type { RunStatus } from './run.js';
import type { StepKind, StepStatus } from './step.js';

/** `step` is the step's index in the run (from 0). Reasons are shown to people: say why. */
export type RunEvent =
  | { type: 'run.start' }
  | { type: 'run.succeed' }
  | { type: 'run.fail'; reason: string }
  | { type: 'run.cancel'; reason: string }
  /** After a restart: retry the interrupted retry-safe step, or fail the run with the reason. */
  | { type: 'run.recover' }
  | { type: 'step.start'; step: number }
  | { type: 'step.succeed'; step: number; reason?: string }
  | { type: 'step.fail'; step: number; reason: string }
  /** A monitor whose window ended inconclusive waits for a person to promote or abort. */
  | { type: 'step.hold'; step: number; reason: string }
  | { type: 'step.skip'; step: number; reason: string };

export type RunEventType = RunEvent['type'];

/** One line of the run's append-only log; the server adds the time and a sequence number. */
export type RunLogRecord =
  | { subject: 'run'; runId: string; event: RunEventType; from: RunStatus; to: RunStatus; reason: string | null }
  | {
      subject: 'step';
      runId: string;
      event: RunEventType;
      step: number;
      kind: StepKind;
      from: StepStatus;
      to: StepStatus;
      attempts: number;
      reason: string | null;
    };

export type RunTransitionErrorCode =
  | 'illegal-transition'
  | 'reason-required'
  | 'unknown-step'
  | 'run-not-running'
  | 'step-out-of-order'
  | 'steps-unfinished'
  | 'cannot-wait'
  | 'deploy-already-started';

export interface RunTransitionError {
  code: RunTransitionErrorCode;
  message: string;
}
