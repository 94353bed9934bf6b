import { describe, expect, it } from 'vitest';
import type { RunEvent, RunTransitionErrorCode } from './events.js';
import { createRun, RUN_STATUSES, type RunState, type RunStatus } from './run.js';
import { STEP_STATUSES, type StepKind, type StepStatus } from './step.js';
import { transition } from './transition.js';

function run(status: RunStatus, steps: [StepKind, StepStatus, attempts?: number][]): RunState {
  const base = createRun(
    'r1',
    steps.map(([kind]) => kind),
  );
  return {
    ...base,
    status,
    steps: base.steps.map((step, index) => ({
      ...step,
      status: steps[index]?.[1] ?? 'pending',
      attempts: steps[index]?.[2] ?? (steps[index]?.[1] === 'pending' ? 0 : 1),
    })),
  };
}

function expectOk(result: ReturnType<typeof transition>) {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result;
}

function expectRefused(result: ReturnType<typeof transition>, code: RunTransitionErrorCode) {
  if (result.ok) throw new Error(`expected ${code}, got success`);
  expect(result.error.code).toBe(code);
  expect(result.error.message).not.toBe('');
  return result.error;
}

describe('run-level events in every run status', () => {
  const runEvents: RunEvent[] = [
    { type: 'run.start' },
    { type: 'run.succeed' },
    { type: 'run.fail', reason: 'x' },
    { type: 'run.cancel', reason: 'x' },
  ];
  // Expected status after the event, or null for a refusal; every step is done so succeed is possible.
  const expected: Record<string, Record<RunStatus, RunStatus | null>> = {
    'run.start': { queued: 'running', running: null, succeeded: null, failed: null, canceled: null },
    'run.succeed': { queued: null, running: 'succeeded', succeeded: null, failed: null, canceled: null },
    'run.fail': { queued: null, running: 'failed', succeeded: null, failed: null, canceled: null },
    'run.cancel': { queued: 'canceled', running: 'canceled', succeeded: null, failed: null, canceled: null },
  };
  const cases = runEvents.flatMap((event) => RUN_STATUSES.map((status) => [event.type, status, event] as const));

  it.each(cases)('%s on a %s run', (type, status, event) => {
    const state = run(status, [['checkout', status === 'queued' ? 'pending' : 'succeeded']]);
    const result = transition(state, event);
    const to = expected[type]?.[status];
    if (to === null || to === undefined) {
      const error = expectRefused(result, 'illegal-transition');
      expect(error.message).toContain(`cannot go from ${status}`);
      return;
    }
    const ok = expectOk(result);
    expect(ok.state.status).toBe(to);
    expect(ok.records[0]).toEqual({
      subject: 'run',
      runId: 'r1',
      event: type,
      from: status,
      to,
      reason: type === 'run.fail' || type === 'run.cancel' ? 'x' : null,
    });
  });

  it('says a finished run is final and how to try again', () => {
    const error = expectRefused(transition(run('failed', []), { type: 'run.start' }), 'illegal-transition');
    expect(error.message).toMatch(/failed is final: start a new run/);
  });
});

describe('step-level events in every step status', () => {
  type StepEventType = 'step.start' | 'step.succeed' | 'step.fail' | 'step.hold' | 'step.skip';
  const events: Record<StepEventType, RunEvent> = {
    'step.start': { type: 'step.start', step: 0 },
    'step.succeed': { type: 'step.succeed', step: 0 },
    'step.fail': { type: 'step.fail', step: 0, reason: 'exit 1' },
    'step.hold': { type: 'step.hold', step: 0, reason: 'no data' },
    'step.skip': { type: 'step.skip', step: 0, reason: 'nothing to do' },
  };
  const expected: Record<StepEventType, Partial<Record<StepStatus, StepStatus>>> = {
    'step.start': { pending: 'running' },
    'step.succeed': { running: 'succeeded', waiting: 'succeeded' },
    'step.fail': { running: 'failed', waiting: 'failed' },
    'step.hold': { running: 'waiting' },
    'step.skip': { pending: 'skipped' },
  };
  const cases = (Object.keys(events) as StepEventType[]).flatMap((type) =>
    STEP_STATUSES.map((status) => [type, status] as const),
  );

  // A monitor step, so that hold is possible; the rules per status are the same for every kind.
  it.each(cases)('%s on a %s step', (type, status) => {
    const state = run('running', [['monitor', status]]);
    const result = transition(state, events[type]);
    const to = expected[type][status];
    if (to === undefined) {
      expectRefused(result, 'illegal-transition');
      return;
    }
    const ok = expectOk(result);
    expect(ok.state.steps[0]?.status).toBe(to);
    expect(ok.state.status).toBe('running');
    expect(ok.records).toHaveLength(1);
    expect(ok.records[0]).toMatchObject({
      subject: 'step',
      runId: 'r1',
      event: type,
      step: 0,
      kind: 'monitor',
      from: status,
      to,
    });
  });

  it.each<[RunStatus, RegExp]>([
    ['queued', /start the run before its steps/],
    ['succeeded', /a finished run's steps never change/],
    ['failed', /a finished run's steps never change/],
    ['canceled', /a finished run's steps never change/],
  ])('refuses step events on a %s run', (status, hint) => {
    const state = run(status, [['checkout', 'pending']]);
    for (const event of Object.values(events)) {
      expect(expectRefused(transition(state, event), 'run-not-running').message).toMatch(hint);
    }
  });

  it('counts attempts on start and keeps them on the way out', () => {
    const started = expectOk(transition(run('running', [['build', 'pending', 0]]), { type: 'step.start', step: 0 }));
    expect(started.state.steps[0]?.attempts).toBe(1);
    const done = expectOk(transition(started.state, { type: 'step.succeed', step: 0, reason: ' built in 3 s ' }));
    expect(done.state.steps[0]).toMatchObject({ attempts: 1, reason: 'built in 3 s' });
    expect(done.records[0]).toMatchObject({ attempts: 1, reason: 'built in 3 s' });
  });
});

describe('refusals', () => {
  it.each<[string, RunState, RunEvent, RunTransitionErrorCode, RegExp]>([
    [
      'starting a step before the one before it is done',
      run('running', [
        ['checkout', 'pending'],
        ['install', 'pending'],
      ]),
      { type: 'step.start', step: 1 },
      'step-out-of-order',
      /step 2 \(install\) cannot start while step 1 \(checkout\) is pending/,
    ],
    [
      'starting a step while another runs',
      run('running', [
        ['checkout', 'running'],
        ['install', 'pending'],
      ]),
      { type: 'step.start', step: 1 },
      'step-out-of-order',
      /while step 1 \(checkout\) is running: steps run one after another/,
    ],
    [
      'skipping out of order',
      run('running', [
        ['checkout', 'pending'],
        ['install', 'pending'],
      ]),
      { type: 'step.skip', step: 1, reason: 'x' },
      'step-out-of-order',
      /cannot skip/,
    ],
    [
      'starting after a failed step',
      run('running', [
        ['checkout', 'failed'],
        ['install', 'pending'],
      ]),
      { type: 'step.start', step: 1 },
      'step-out-of-order',
      /is failed/,
    ],
    [
      'an unknown step',
      run('running', [['checkout', 'pending']]),
      { type: 'step.start', step: 4 },
      'unknown-step',
      /no step 5: its steps are 1 to 1/,
    ],
    [
      'holding a step that cannot wait',
      run('running', [['deploy', 'running']]),
      { type: 'step.hold', step: 0, reason: 'x' },
      'cannot-wait',
      /only a monitor step holds/,
    ],
    [
      'a second start of a deploy',
      run('running', [['deploy', 'pending', 1]]),
      { type: 'step.start', step: 0 },
      'deploy-already-started',
      /never executed twice for the same run, start a new run/,
    ],
    [
      'succeeding with a step still pending',
      run('running', [
        ['checkout', 'succeeded'],
        ['deploy', 'pending'],
      ]),
      { type: 'run.succeed' },
      'steps-unfinished',
      /step 2 \(deploy\) is pending/,
    ],
    [
      'succeeding with a failed step',
      run('running', [['checkout', 'failed']]),
      { type: 'run.succeed' },
      'steps-unfinished',
      /is failed/,
    ],
    [
      'failing with a step running',
      run('running', [['deploy', 'running']]),
      { type: 'run.fail', reason: 'x' },
      'steps-unfinished',
      /fail that step, or cancel the run/,
    ],
    [
      'failing with a step waiting',
      run('running', [['monitor', 'waiting']]),
      { type: 'run.fail', reason: 'x' },
      'steps-unfinished',
      /is waiting/,
    ],
    [
      'recovering a queued run',
      run('queued', [['checkout', 'pending']]),
      { type: 'run.recover' },
      'run-not-running',
      /is queued/,
    ],
    ['recovering a finished run', run('succeeded', []), { type: 'run.recover' }, 'run-not-running', /is succeeded/],
  ])('refuses %s', (_name, state, event, code, message) => {
    expect(expectRefused(transition(state, event), code).message).toMatch(message);
  });

  const running = run('running', [['monitor', 'running']]);
  it.each<[RunEvent, RegExp]>([
    [{ type: 'run.fail', reason: '' }, /give a reason to fail run r1/],
    [{ type: 'run.cancel', reason: '   ' }, /give a reason to cancel run r1/],
    [{ type: 'step.fail', step: 0, reason: '' }, /give a reason to fail step 1 \(monitor\)/],
    [{ type: 'step.hold', step: 0, reason: ' ' }, /give a reason to hold step 1/],
  ])('requires a reason for %j', (event, message) => {
    expect(expectRefused(transition(running, event), 'reason-required').message).toMatch(message);
  });

  it('requires a reason to skip', () => {
    const state = run('running', [['install', 'pending']]);
    expectRefused(transition(state, { type: 'step.skip', step: 0, reason: '' }), 'reason-required');
  });
});

describe('cascades', () => {
  it('a failed run skips its pending steps, run record first', () => {
    const state = run('running', [
      ['checkout', 'succeeded'],
      ['build', 'failed'],
      ['deploy', 'pending'],
      ['test', 'pending'],
    ]);
    const ok = expectOk(transition(state, { type: 'run.fail', reason: 'step 2 (build) failed' }));
    expect(ok.state.steps.map((step) => step.status)).toEqual(['succeeded', 'failed', 'skipped', 'skipped']);
    expect(ok.records.map((record) => [record.subject, record.to])).toEqual([
      ['run', 'failed'],
      ['step', 'skipped'],
      ['step', 'skipped'],
    ]);
    expect(ok.state.steps[2]?.reason).toBe('skipped: the run failed (step 2 (build) failed)');
  });

  it('a canceled run cancels every step not yet finished', () => {
    const state = run('running', [
      ['checkout', 'succeeded'],
      ['monitor', 'waiting'],
      ['tag', 'pending'],
    ]);
    const ok = expectOk(transition(state, { type: 'run.cancel', reason: 'canceled by ada' }));
    expect(ok.state.steps.map((step) => step.status)).toEqual(['succeeded', 'canceled', 'canceled']);
    expect(ok.state.reason).toBe('canceled by ada');
    expect(ok.records).toHaveLength(3);
  });

  it('a canceled queued run cancels all its steps', () => {
    const ok = expectOk(
      transition(
        run('queued', [
          ['checkout', 'pending'],
          ['deploy', 'pending'],
        ]),
        { type: 'run.cancel', reason: 'superseded' },
      ),
    );
    expect(ok.state.steps.every((step) => step.status === 'canceled')).toBe(true);
  });

  it('keeps fields the caller added to the run', () => {
    const state = { ...run('queued', []), environment: 'production' };
    const result = transition(state, { type: 'run.start' });
    expect(result.ok && result.state.environment).toBe('production');
  });
});

describe('crash recovery', () => {
  it.each<[StepKind, StepStatus, RunStatus]>([
    ['checkout', 'pending', 'running'],
    ['install', 'pending', 'running'],
    ['build', 'pending', 'running'],
    ['test', 'pending', 'running'],
    ['tag', 'pending', 'running'],
    ['monitor', 'pending', 'running'],
    ['rollback', 'pending', 'running'],
    ['destroy', 'pending', 'running'],
    ['deploy', 'failed', 'failed'],
  ])('an interrupted %s step becomes %s and the run %s', (kind, stepStatus, runStatus) => {
    const state = run('running', [
      ['checkout', 'succeeded'],
      [kind, 'running'],
      ['tag', 'pending'],
    ]);
    const ok = expectOk(transition(state, { type: 'run.recover' }));
    expect(ok.state.status).toBe(runStatus);
    expect(ok.state.steps[1]).toMatchObject({ status: stepStatus, attempts: 1 });
    expect(ok.state.steps[2]?.status).toBe(runStatus === 'failed' ? 'skipped' : 'pending');
    expect(ok.records[0]).toMatchObject({ subject: 'step', event: 'run.recover', from: 'running', to: stepStatus });
  });

  it('fails the run with the reason when a deploy was interrupted, and records it all', () => {
    const state = run('running', [
      ['build', 'succeeded'],
      ['deploy', 'running'],
      ['monitor', 'pending'],
    ]);
    const ok = expectOk(transition(state, { type: 'run.recover' }));
    expect(ok.state.reason).toMatch(/step 2 \(deploy\) was interrupted by a restart after it started/);
    expect(ok.records.map((record) => `${record.subject}:${record.from}->${record.to}`)).toEqual([
      'step:running->failed',
      'run:running->failed',
      'step:pending->skipped',
    ]);
  });

  it('a retried step starts again as a second attempt', () => {
    const recovered = expectOk(transition(run('running', [['build', 'running', 1]]), { type: 'run.recover' }));
    const restarted = expectOk(transition(recovered.state, { type: 'step.start', step: 0 }));
    expect(restarted.state.steps[0]).toMatchObject({ status: 'running', attempts: 2 });
  });

  it.each<[string, RunState]>([
    [
      'a waiting monitor',
      run('running', [
        ['deploy', 'succeeded'],
        ['monitor', 'waiting'],
      ]),
    ],
    [
      'a run between two steps',
      run('running', [
        ['checkout', 'succeeded'],
        ['build', 'pending'],
      ]),
    ],
  ])('leaves %s alone', (_name, state) => {
    const ok = expectOk(transition(state, { type: 'run.recover' }));
    expect(ok.records).toEqual([]);
    expect(ok.state).toEqual(state);
  });
});
