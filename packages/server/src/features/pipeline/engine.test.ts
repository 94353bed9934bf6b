// The run engine over the real store and unit of work, with scripted steps: order, admission, crash recovery, a held window.
import type { PipelineDefinition, StepKind } from '@trunkflow/core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../../event-catalog.js';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { EventLog } from '../../platform/events/event-log.js';
import { appUnitOfWork } from '../../transaction.js';
import type { Project } from '../projects/service.js';
import { sequentialIds, TestClock } from '../pulls/test-harness.js';
import { type AdvancePayload, PipelineEngine, type StepContext, type StepResult } from './engine.js';
import { SqlPipelineStore } from './store-sql.js';

const SHA = 'b'.repeat(40);
const project: Project = {
  id: 'project-e',
  name: 'engine',
  trunk: 'main',
  allowDirectTrunkPush: false,
  dismissStaleApprovals: true,
  requiredApprovals: 1,
  visibility: 'internal',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe.each(testDatabases())('pipeline engine on $name', (kind) => {
  let database: TestDatabase;
  let store: SqlPipelineStore;
  let engine: PipelineEngine;
  const executed: string[] = [];
  /** What each step kind answers; a missing one succeeds. */
  let script: Partial<Record<StepKind, (context: StepContext) => StepResult>> = {};
  const woken: AdvancePayload[] = [];
  const abort = new AbortController();

  const definition = (context: { environment: 'preview' | 'staging' | 'production' }): PipelineDefinition => ({
    environment: context.environment,
    trigger: 'deploy',
    commands: { install: true, build: true, test: true },
    monitor: context.environment === 'production',
  });

  beforeAll(async () => {
    database = await kind.open();
    await database.db
      .insertInto('projects')
      .values({
        id: project.id,
        name: project.name,
        trunk: 'main',
        allow_direct_trunk_push: 0,
        dismiss_stale_approvals: 1,
        required_approvals: 1,
        next_pr_number: 1,
        created_at: project.createdAt,
        visibility: 'internal',
      })
      .execute();
    const clock = new TestClock();
    store = new SqlPipelineStore(database.db);
    const uow = appUnitOfWork(database.db, {
      events: new EventLog(database.db, database.dialect, clock, { catalog: eventCatalog }),
      audit: new AuditLog(clock),
      // Wakes are recorded, not run: the test drives advance itself, as the job runner would.
      jobs: () => ({
        enqueue: async (name: string, payload: unknown) => {
          if (name === 'pipeline.advance') woken.push(payload as AdvancePayload);
          return { id: String(woken.length) };
        },
      }),
    });
    engine = new PipelineEngine({
      store,
      uow,
      projects: { byId: async (id) => (id === project.id ? project : null) },
      definitions: { definitionFor: async (_project, run) => definition(run) },
      executor: {
        execute: async (context) => {
          executed.push(`${context.run.envKey}:${context.step.kind}`);
          return script[context.step.kind]?.(context) ?? { outcome: 'succeeded' };
        },
      },
      clock,
      ids: sequentialIds,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => database?.drop());

  const request = (environment: 'preview' | 'staging' | 'production', prNumber: number | null = null) =>
    appUnitOfWork(database.db, {
      events: new EventLog(database.db, database.dialect, new TestClock(), { catalog: eventCatalog }),
      audit: new AuditLog(new TestClock()),
      jobs: () => ({ enqueue: async () => ({ id: 'ignored' }) }),
    }).run((tx) =>
      engine.request(tx, {
        project,
        environment,
        prNumber,
        sha: SHA,
        version: null,
        kind: 'deploy',
        trigger: 'manual',
        actor: 'dana',
      }),
    );

  /** Runs advance for the environment until it says idle or waits (bounded). */
  async function drive(envKey: string): Promise<string[]> {
    const said: string[] = [];
    for (let round = 0; round < 30; round++) {
      const answer = await engine.advance({ projectId: project.id, envKey }, abort.signal);
      said.push(answer);
      if (answer === 'idle' || answer.includes('waits') || answer.includes('holds') || answer.includes('is running'))
        break;
    }
    return said;
  }

  it('runs a preview’s steps in order, one per advance, and ends succeeded with its log and environment', async () => {
    script = { deploy: () => ({ outcome: 'succeeded', environment: { status: 'live', url: 'http://x' } }) };
    executed.length = 0;
    const run = await request('preview', 7);
    await drive('pr-7');
    expect(executed).toEqual(['pr-7:checkout', 'pr-7:install', 'pr-7:build', 'pr-7:deploy']);
    const done = await store.run(run.id);
    expect(done?.state.status).toBe('succeeded');
    expect(done?.state.steps.map((step) => step.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const log = await store.log(run.id);
    expect(log.filter((entry) => entry.record.subject === 'run').map((entry) => entry.record.to)).toEqual([
      'running',
      'succeeded',
    ]);
    expect(await store.environment(project.id, 'pr-7')).toMatchObject({
      status: 'live',
      url: 'http://x',
      runId: run.id,
    });
  });

  it('runs one run per environment: the second waits for the first, in order', async () => {
    script = {};
    executed.length = 0;
    const first = await request('staging');
    const second = await request('staging');
    await engine.advance({ projectId: project.id, envKey: 'staging' }, abort.signal);
    expect((await store.run(first.id))?.state.status).toBe('running');
    expect((await store.run(second.id))?.state.status).toBe('queued');
    await drive('staging');
    await drive('staging');
    expect((await store.run(first.id))?.state.status).toBe('succeeded');
    expect((await store.run(second.id))?.state.status).toBe('succeeded');
    // Every step of the first before any of the second.
    const firstSteps = executed.slice(0, 6);
    expect(firstSteps).toEqual(
      ['checkout', 'install', 'build', 'deploy', 'test', 'tag'].map((step) => `staging:${step}`),
    );
  });

  it('after a crash retries an interrupted install, but fails a run whose deploy had started, without deploying again', async () => {
    script = {};
    executed.length = 0;
    const installing = await request('preview', 8);
    await engine.advance({ projectId: project.id, envKey: 'pr-8' }, abort.signal); // checkout
    // What kill -9 during the install leaves: the step marked running, no result.
    const cut = await store.run(installing.id);
    if (!cut) throw new Error('no run');
    const steps = cut.state.steps.map((step) =>
      step.kind === 'install' ? { ...step, status: 'running' as const, attempts: 1 } : step,
    );
    await store.saveRun({ ...cut, state: { ...cut.state, steps } });
    await drive('pr-8');
    const retried = await store.run(installing.id);
    expect(retried?.state.status).toBe('succeeded');
    expect(retried?.state.steps.find((step) => step.kind === 'install')?.attempts).toBe(2);

    executed.length = 0;
    const deploying = await request('preview', 9);
    for (let step = 0; step < 3; step++) await engine.advance({ projectId: project.id, envKey: 'pr-9' }, abort.signal);
    const before = await store.run(deploying.id);
    if (!before) throw new Error('no run');
    const cutDeploy = before.state.steps.map((step) =>
      step.kind === 'deploy' ? { ...step, status: 'running' as const, attempts: 1 } : step,
    );
    await store.saveRun({ ...before, state: { ...before.state, steps: cutDeploy } });
    executed.length = 0;
    await drive('pr-9');
    const failed = await store.run(deploying.id);
    expect(failed?.state.status).toBe('failed');
    expect(failed?.state.reason).toMatch(/deploy.*interrupted by a restart/);
    expect(executed).not.toContain('pr-9:deploy');
  });

  it('holds an inconclusive window for a person, with no rollback, and a promote ends it passed', async () => {
    script = { monitor: () => ({ outcome: 'hold', reason: 'prometheus: no data' }) };
    executed.length = 0;
    const run = await request('production');
    await drive('production');
    const held = await store.run(run.id);
    expect(held?.state.status).toBe('running');
    expect(held?.state.steps.find((step) => step.kind === 'monitor')).toMatchObject({ status: 'waiting' });
    // Nothing else is queued: no rollback follows an inconclusive window.
    expect((await store.openRuns(project.id, 'production')).map((open) => open.id)).toEqual([run.id]);
    const monitor = held?.state.steps.find((step) => step.kind === 'monitor');
    await engine.applyManual(held as NonNullable<typeof held>, {
      type: 'step.succeed',
      step: monitor?.index ?? -1,
      reason: 'promoted by dana',
    });
    await drive('production');
    expect((await store.run(run.id))?.state.status).toBe('succeeded');
  });
});
