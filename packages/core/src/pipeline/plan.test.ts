import { describe, expect, it } from 'vitest';
import type { AnalysisStatus } from './analysis.js';
import type { RunEvent, RunLogRecord } from './events.js';
import {
  createRunFor,
  manualEvent,
  monitorEvent,
  type PipelineDefinition,
  type PlanDecision,
  plan,
  planSteps,
} from './plan.js';
import type { RunState } from './run.js';
import type { StepKind } from './step.js';
import { transition } from './transition.js';

const ALL = { install: true, build: true, test: true };

function definition(overrides: Partial<PipelineDefinition>): PipelineDefinition {
  return { environment: 'preview', trigger: 'deploy', commands: ALL, monitor: true, ...overrides };
}

type Outcome = { fail: string } | { hold: string };

function step(run: RunState, event: RunEvent): RunState {
  const result = transition(run, event);
  if (!result.ok) throw new Error(`${event.type} refused: ${result.error.message}`);
  log.push(...result.records);
  return result.state;
}

let log: RunLogRecord[] = [];

/** Plays the server's loop: plan, apply the events, execute the started step with the given outcome. */
function drive(
  def: PipelineDefinition,
  outcomes: Partial<Record<StepKind, Outcome>> = {},
  from?: RunState,
): { run: RunState; decision: PlanDecision; executed: StepKind[] } {
  log = [];
  let run = from ?? step(createRunFor('r1', def), { type: 'run.start' });
  const executed: StepKind[] = [];
  for (let turn = 0; turn < 30; turn += 1) {
    const decision = plan(def, run);
    if (decision.type !== 'advance') return { run, decision, executed };
    for (const event of decision.events) run = step(run, event);
    if (decision.start === null) continue;
    const { index, kind } = decision.start;
    executed.push(kind);
    const outcome = outcomes[kind];
    if (outcome === undefined) run = step(run, { type: 'step.succeed', step: index });
    else if ('fail' in outcome) run = step(run, { type: 'step.fail', step: index, reason: outcome.fail });
    else run = step(run, { type: 'step.hold', step: index, reason: outcome.hold });
  }
  throw new Error('the planner did not settle in 30 turns');
}

function statuses(run: RunState): string[] {
  return run.steps.map((each) => `${each.kind}:${each.status}`);
}

describe('planSteps', () => {
  it.each<[string, PipelineDefinition, string[]]>([
    ['preview', definition({}), ['checkout', 'install', 'build', 'deploy']],
    ['staging', definition({ environment: 'staging' }), ['checkout', 'install', 'build', 'deploy', 'test', 'tag']],
    ['production', definition({ environment: 'production' }), ['checkout', 'install', 'build', 'deploy', 'monitor']],
    ['rollback', definition({ environment: 'production', trigger: 'rollback' }), ['deploy', 'rollback']],
    ['rollback of staging', definition({ environment: 'staging', trigger: 'rollback' }), ['deploy', 'rollback']],
    ['destroy', definition({ trigger: 'destroy' }), ['destroy']],
  ])('%s', (_name, def, kinds) => {
    expect(planSteps(def).map((planned) => planned.kind)).toEqual(kinds);
  });

  it('marks steps without a command as skips, with a reason', () => {
    const planned = planSteps(
      definition({ environment: 'staging', commands: { install: false, build: false, test: false } }),
    );
    expect(planned.map((each) => each.skip)).toEqual([
      null,
      'no install command is configured',
      'no build command is configured',
      null,
      'no test command is configured for staging',
      null,
    ]);
  });

  it('creates a queued run with every step pending', () => {
    const run = createRunFor('r9', definition({ environment: 'production' }));
    expect(run.status).toBe('queued');
    expect(run.steps.every((each) => each.status === 'pending' && each.attempts === 0)).toBe(true);
  });
});

describe('plan: sequences', () => {
  it.each<
    [
      name: string,
      def: PipelineDefinition,
      outcomes: Partial<Record<StepKind, Outcome>>,
      executed: StepKind[],
      steps: string[],
      verdict: string,
    ]
  >([
    [
      'preview',
      definition({}),
      {},
      ['checkout', 'install', 'build', 'deploy'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:succeeded'],
      'succeeded',
    ],
    [
      'preview without a build script',
      definition({ commands: { install: true, build: false, test: false } }),
      {},
      ['checkout', 'install', 'deploy'],
      ['checkout:succeeded', 'install:succeeded', 'build:skipped', 'deploy:succeeded'],
      'succeeded',
    ],
    [
      'staging',
      definition({ environment: 'staging' }),
      {},
      ['checkout', 'install', 'build', 'deploy', 'test', 'tag'],
      [
        'checkout:succeeded',
        'install:succeeded',
        'build:succeeded',
        'deploy:succeeded',
        'test:succeeded',
        'tag:succeeded',
      ],
      'succeeded',
    ],
    [
      'staging whose tests fail: no tag',
      definition({ environment: 'staging' }),
      { test: { fail: 'exit 1' } },
      ['checkout', 'install', 'build', 'deploy', 'test'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:succeeded', 'test:failed', 'tag:skipped'],
      'failed',
    ],
    [
      'staging without tests still tags',
      definition({ environment: 'staging', commands: { install: true, build: true, test: false } }),
      {},
      ['checkout', 'install', 'build', 'deploy', 'tag'],
      [
        'checkout:succeeded',
        'install:succeeded',
        'build:succeeded',
        'deploy:succeeded',
        'test:skipped',
        'tag:succeeded',
      ],
      'succeeded',
    ],
    [
      'a failed install skips the rest',
      definition({ environment: 'staging' }),
      { install: { fail: 'npm ci: exit 1' } },
      ['checkout', 'install'],
      ['checkout:succeeded', 'install:failed', 'build:skipped', 'deploy:skipped', 'test:skipped', 'tag:skipped'],
      'failed',
    ],
    [
      'production with its window',
      definition({ environment: 'production' }),
      {},
      ['checkout', 'install', 'build', 'deploy', 'monitor'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:succeeded', 'monitor:succeeded'],
      'succeeded',
    ],
    [
      'production without a monitor',
      definition({ environment: 'production', monitor: false }),
      {},
      ['checkout', 'install', 'build', 'deploy'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:succeeded', 'monitor:skipped'],
      'succeeded',
    ],
    [
      'production whose window fails: rollback follows',
      definition({ environment: 'production' }),
      { monitor: { fail: '2 failed measurements' } },
      ['checkout', 'install', 'build', 'deploy', 'monitor'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:succeeded', 'monitor:failed'],
      'failed, rollback: the monitoring window failed: 2 failed measurements',
    ],
    [
      'production whose deploy fails: the old release still serves',
      definition({ environment: 'production' }),
      { deploy: { fail: 'health check timed out' } },
      ['checkout', 'install', 'build', 'deploy'],
      ['checkout:succeeded', 'install:succeeded', 'build:succeeded', 'deploy:failed', 'monitor:skipped'],
      'failed',
    ],
    [
      'rollback: the fast path',
      definition({ environment: 'production', trigger: 'rollback' }),
      {},
      ['deploy', 'rollback'],
      ['deploy:succeeded', 'rollback:succeeded'],
      'succeeded',
    ],
    [
      'a rollback that fails does not roll back again',
      definition({ environment: 'production', trigger: 'rollback' }),
      { deploy: { fail: 'no kept build' } },
      ['deploy'],
      ['deploy:failed', 'rollback:skipped'],
      'failed',
    ],
    ['destroy', definition({ trigger: 'destroy' }), {}, ['destroy'], ['destroy:succeeded'], 'succeeded'],
  ])('%s', (_name, def, outcomes, executed, steps, verdict) => {
    const result = drive(def, outcomes);
    expect(result.executed).toEqual(executed);
    expect(statuses(result.run)).toEqual(steps);
    const { decision } = result;
    if (decision.type !== 'done') throw new Error(`expected done, got ${decision.type}`);
    const followUp = decision.followUp ? `, ${decision.followUp.type}: ${decision.followUp.reason}` : '';
    expect(`${decision.status}${followUp}`).toBe(verdict);
  });

  it('names the failed step in the run reason', () => {
    const { run } = drive(definition({}), { build: { fail: 'tsc: 3 errors' } });
    expect(run.reason).toBe('step 3 (build) failed: tsc: 3 errors');
  });

  it('logs every move in order', () => {
    drive(definition({ commands: { install: true, build: false, test: false } }));
    expect(log.map((record) => `${record.subject === 'run' ? 'run' : record.kind}:${record.to}`)).toEqual([
      'run:running',
      'checkout:running',
      'checkout:succeeded',
      'install:running',
      'install:succeeded',
      'build:skipped',
      'deploy:running',
      'deploy:succeeded',
      'run:succeeded',
    ]);
  });
});

describe('plan: waiting, canceling, crashes', () => {
  const production = definition({ environment: 'production' });

  it('waits while a run is queued', () => {
    expect(plan(production, createRunFor('r1', production))).toMatchObject({ type: 'wait', reason: /is queued/ });
  });

  it('waits for a person when the window is inconclusive, then promote finishes the run', () => {
    const held = drive(production, { monitor: { hold: 'Prometheus unreachable' } });
    expect(held.decision).toMatchObject({ type: 'wait', reason: /promote or roll back \(Prometheus unreachable\)/ });
    const promote = manualEvent(held.run, 'promote', 'ada');
    if (!promote.ok) throw new Error(promote.message);
    const done = drive(production, {}, step(held.run, promote.event));
    expect(done.decision).toMatchObject({ type: 'done', status: 'succeeded', followUp: null });
    expect(done.run.steps[4]?.reason).toBe('promoted by ada');
  });

  it('abort of a waiting window fails the run and calls for a rollback', () => {
    const held = drive(production, { monitor: { hold: 'no data' } });
    const abort = manualEvent(held.run, 'abort', 'ada');
    if (!abort.ok) throw new Error(abort.message);
    const done = drive(production, {}, step(held.run, abort.event));
    expect(done.decision).toMatchObject({ type: 'done', status: 'failed', followUp: { type: 'rollback' } });
  });

  it('a canceled run is done with no follow-up', () => {
    const held = drive(production, { monitor: { hold: 'no data' } });
    const canceled = step(held.run, { type: 'run.cancel', reason: 'canceled by ada' });
    expect(plan(production, canceled)).toEqual({
      type: 'done',
      status: 'canceled',
      reason: 'canceled by ada',
      followUp: null,
    });
  });

  function crashedAt(kind: StepKind): RunState {
    let run = step(createRunFor('r1', production), { type: 'run.start' });
    for (;;) {
      const decision = plan(production, run);
      if (decision.type !== 'advance' || decision.start === null) throw new Error(`never reached ${kind}`);
      for (const event of decision.events) run = step(run, event);
      if (decision.start.kind === kind) return run;
      run = step(run, { type: 'step.succeed', step: decision.start.index });
    }
  }

  it('leaves a running step to recovery', () => {
    expect(plan(production, crashedAt('build'))).toMatchObject({ type: 'wait', reason: 'step 3 (build) is running' });
  });

  it('after a crash in build, recovery retries the build and the run goes on', () => {
    const recovered = step(crashedAt('build'), { type: 'run.recover' });
    const result = drive(production, {}, recovered);
    expect(result.executed).toEqual(['build', 'deploy', 'monitor']);
    expect(result.run.steps[2]?.attempts).toBe(2);
    expect(result.decision).toMatchObject({ type: 'done', status: 'succeeded' });
  });

  it('after a crash in deploy, the run fails with the reason and the deploy is never executed again', () => {
    const recovered = step(crashedAt('deploy'), { type: 'run.recover' });
    const result = drive(production, {}, recovered);
    expect(result.executed).toEqual([]);
    expect(result.decision).toMatchObject({ type: 'done', status: 'failed', followUp: null });
    expect(result.run.reason).toMatch(/step 4 \(deploy\) was interrupted by a restart after it started/);
    expect(result.run.steps[3]?.attempts).toBe(1);
  });

  it('after a crash between two steps, the next step starts', () => {
    let run = crashedAt('install');
    run = step(run, { type: 'step.succeed', step: 1 });
    const recovered = step(run, { type: 'run.recover' });
    expect(plan(production, recovered)).toMatchObject({ type: 'advance', start: { kind: 'build' } });
  });
});

describe('monitorEvent', () => {
  it.each<[AnalysisStatus, RunEvent | null]>([
    ['running', null],
    ['passed', { type: 'step.succeed', step: 4, reason: 'why' }],
    ['failed', { type: 'step.fail', step: 4, reason: 'why' }],
    ['inconclusive', { type: 'step.hold', step: 4, reason: 'why' }],
  ])('%s → %j', (status, event) => {
    expect(monitorEvent(4, { status, reason: 'why' })).toEqual(event);
  });
});

describe('manualEvent', () => {
  const production = definition({ environment: 'production' });

  it.each<[string, RunState, RegExp]>([
    [
      'a queued run',
      createRunFor('r1', production),
      /no monitoring window open \(it is queued, its monitor step pending\): nothing to promote; to stop the run, cancel it/,
    ],
    ['a preview', step(createRunFor('r1', definition({})), { type: 'run.start' }), /with no monitor step/],
  ])('refuses to promote %s', (_name, run, message) => {
    const decision = manualEvent(run, 'promote', 'ada');
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.message).toMatch(message);
  });

  it('aborts a window that is still running', () => {
    let run = drive(production, { monitor: { hold: 'x' } }).run;
    run = { ...run, steps: run.steps.map((each) => (each.kind === 'monitor' ? { ...each, status: 'running' } : each)) };
    expect(manualEvent(run, 'abort', 'ada')).toEqual({
      ok: true,
      event: { type: 'step.fail', step: 4, reason: 'aborted by ada' },
    });
  });
});
