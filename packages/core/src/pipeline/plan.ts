// The pure planner: a pipeline definition and a run's state in, the events that move the run on (or its verdict) out.
import { assertNever } from '../shared/assert-never.js';
import type { AnalysisStatus } from './analysis.js';
import type { RunEvent } from './events.js';
import { createRun, type RunState, type TerminalRunStatus } from './run.js';
import { isStepActive, type StepKind, type StepState, stepLabel } from './step.js';

export const ENVIRONMENT_KINDS = ['preview', 'staging', 'production'] as const;

export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

export const TRIGGER_KINDS = ['deploy', 'rollback', 'destroy'] as const;

export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** The facts about a run's pipeline that decide its steps; the server maps `trunkflow.yml` onto it. */
export interface PipelineDefinition {
  environment: EnvironmentKind;
  trigger: TriggerKind;
  /** Which commands the environment has; a missing one turns its step into a skip with a reason. */
  commands: { install: boolean; build: boolean; test: boolean };
  /** Whether a monitoring window watches the deploy (production only; ignored elsewhere). */
  monitor: boolean;
}

export interface PlannedStep {
  kind: StepKind;
  /** Set when the step has nothing to do under this definition: the planner skips it with this reason. */
  skip: string | null;
}

/**
 * The steps of a run, in order:
 * - preview: checkout, install, build, deploy;
 * - staging: checkout, install, build, deploy, test, tag;
 * - production: checkout, install, build, deploy, monitor;
 * - rollback (any environment): deploy the kept build of the last good release, with no checkout,
 *   install, build or gates, then rollback, which records the failed deployment and the incident;
 * - destroy (any environment): destroy.
 */
export function planSteps(definition: PipelineDefinition): PlannedStep[] {
  const kinds = stepKindsFor(definition);
  return kinds.map((kind) => ({ kind, skip: skipReason(definition, kind) }));
}

/** A queued run holding every step of the definition, all pending. */
export function createRunFor(id: string, definition: PipelineDefinition): RunState {
  return createRun(
    id,
    planSteps(definition).map((step) => step.kind),
  );
}

function stepKindsFor(definition: PipelineDefinition): StepKind[] {
  switch (definition.trigger) {
    case 'rollback':
      return ['deploy', 'rollback'];
    case 'destroy':
      return ['destroy'];
    case 'deploy':
      switch (definition.environment) {
        case 'preview':
          return ['checkout', 'install', 'build', 'deploy'];
        case 'staging':
          return ['checkout', 'install', 'build', 'deploy', 'test', 'tag'];
        case 'production':
          return ['checkout', 'install', 'build', 'deploy', 'monitor'];
        default:
          return assertNever(definition.environment, 'environment kind');
      }
    default:
      return assertNever(definition.trigger, 'trigger kind');
  }
}

function skipReason(definition: PipelineDefinition, kind: StepKind): string | null {
  switch (kind) {
    case 'install':
      return definition.commands.install ? null : 'no install command is configured';
    case 'build':
      return definition.commands.build ? null : 'no build command is configured';
    case 'test':
      return definition.commands.test ? null : `no test command is configured for ${definition.environment}`;
    case 'monitor':
      return definition.monitor ? null : 'no monitor is configured: the release is not watched';
    case 'checkout':
    case 'deploy':
    case 'tag':
    case 'rollback':
    case 'destroy':
      return null;
    default:
      return assertNever(kind, 'step kind');
  }
}

/** What the server must do after a run ended; null when nothing. */
export type FollowUp = { type: 'rollback'; reason: string };

export type PlanDecision =
  /** Apply these events in order with `transition`, then execute `start` when it is set. */
  | { type: 'advance'; events: RunEvent[]; start: { index: number; kind: StepKind } | null }
  /** Nothing to do until something outside changes: a step ends, admission starts the run, a person decides. */
  | { type: 'wait'; reason: string }
  /** The run has ended. */
  | { type: 'done'; status: TerminalRunStatus; reason: string | null; followUp: FollowUp | null };

/**
 * Decides the next move. It reads state only, so calling it again after a crash gives the same
 * answer; a step already marked running is left to `run.recover`.
 */
export function plan(definition: PipelineDefinition, run: RunState): PlanDecision {
  switch (run.status) {
    case 'queued':
      return { type: 'wait', reason: `run ${run.id} is queued: it starts when admission gives it the environment` };
    case 'succeeded':
    case 'failed':
    case 'canceled':
      return { type: 'done', status: run.status, reason: run.reason, followUp: followUpOf(definition, run) };
    case 'running':
      return planRunning(definition, run);
    default:
      return assertNever(run.status, 'run status');
  }
}

function planRunning(definition: PipelineDefinition, run: RunState): PlanDecision {
  const active = run.steps.find((step) => isStepActive(step.status));
  if (active) {
    const reason =
      active.status === 'waiting'
        ? `${stepLabel(active)} waits for a person to promote or roll back${active.reason ? ` (${active.reason})` : ''}`
        : `${stepLabel(active)} is running`;
    return { type: 'wait', reason };
  }
  const broken = run.steps.find((step) => step.status === 'failed' || step.status === 'canceled');
  if (broken) {
    const why = broken.reason ? `: ${broken.reason}` : '';
    return {
      type: 'advance',
      events: [{ type: 'run.fail', reason: `${stepLabel(broken)} ${broken.status}${why}` }],
      start: null,
    };
  }
  const events: RunEvent[] = [];
  for (const step of run.steps) {
    if (step.status !== 'pending') continue;
    const skip = skipReason(definition, step.kind);
    if (skip !== null) {
      events.push({ type: 'step.skip', step: step.index, reason: skip });
      continue;
    }
    events.push({ type: 'step.start', step: step.index });
    return { type: 'advance', events, start: { index: step.index, kind: step.kind } };
  }
  events.push({ type: 'run.succeed' });
  return { type: 'advance', events, start: null };
}

// A failed window means production serves a bad release: roll it back. Other failures leave the
// previous release serving (the deployer switches only to a healthy deploy), so nothing follows.
function followUpOf(definition: PipelineDefinition, run: RunState): FollowUp | null {
  if (run.status !== 'failed' || definition.trigger !== 'deploy') return null;
  const monitor = run.steps.find((step) => step.kind === 'monitor' && step.status === 'failed');
  if (!monitor) return null;
  return { type: 'rollback', reason: `the monitoring window failed${monitor.reason ? `: ${monitor.reason}` : ''}` };
}

/** The event a monitor step's analysis calls for, or null while the window is still running. */
export function monitorEvent(step: number, analysis: { status: AnalysisStatus; reason: string }): RunEvent | null {
  switch (analysis.status) {
    case 'running':
      return null;
    case 'passed':
      return { type: 'step.succeed', step, reason: analysis.reason };
    case 'failed':
      return { type: 'step.fail', step, reason: analysis.reason };
    case 'inconclusive':
      return { type: 'step.hold', step, reason: analysis.reason };
    default:
      return assertNever(analysis.status, 'analysis status');
  }
}

export type ManualAction = 'promote' | 'abort';

export type ManualDecision = { ok: true; event: RunEvent } | { ok: false; message: string };

/**
 * `trunkflow promote` and `trunkflow abort` act on the monitor step that is running or waiting:
 * promote passes the window now; abort fails it, so a rollback follows.
 */
export function manualEvent(run: RunState, action: ManualAction, by: string): ManualDecision {
  const monitor = run.steps.find((step) => step.kind === 'monitor' && isStepActive(step.status));
  if (run.status !== 'running' || !monitor) {
    const cancel = run.status === 'queued' || run.status === 'running' ? '; to stop the run, cancel it' : '';
    return {
      ok: false,
      message: `run ${run.id} has no monitoring window open (it is ${run.status}${describeMonitor(run.steps)}): nothing to ${action}${cancel}`,
    };
  }
  switch (action) {
    case 'promote':
      return { ok: true, event: { type: 'step.succeed', step: monitor.index, reason: `promoted by ${by}` } };
    case 'abort':
      return { ok: true, event: { type: 'step.fail', step: monitor.index, reason: `aborted by ${by}` } };
    default:
      return assertNever(action, 'manual action');
  }
}

function describeMonitor(steps: readonly StepState[]): string {
  const monitor = steps.find((step) => step.kind === 'monitor');
  return monitor ? `, its monitor step ${monitor.status}` : ', with no monitor step';
}
