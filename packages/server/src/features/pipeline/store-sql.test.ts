// The pipeline store on both databases: runs and their open set, the append-only log, output paging, environments, releases, incidents.
import { createRunFor } from '@trunkflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import type { PipelineRun } from './model.js';
import { SqlPipelineStore } from './store-sql.js';

const SHA = 'a'.repeat(40);

describe.each(testDatabases())('pipeline store on $name', (kind) => {
  let database: TestDatabase;
  let store: SqlPipelineStore;
  let projectId: string;
  let counter = 0;

  beforeAll(async () => {
    database = await kind.open();
    store = new SqlPipelineStore(database.db);
    projectId = 'project-1';
    await database.db
      .insertInto('projects')
      .values({
        id: projectId,
        name: 'shop',
        trunk: 'main',
        allow_direct_trunk_push: 0,
        dismiss_stale_approvals: 1,
        required_approvals: 1,
        next_pr_number: 1,
        created_at: '2026-01-01T00:00:00.000Z',
        visibility: 'internal',
      })
      .execute();
  });
  afterAll(() => database?.drop());

  const run = (envKey: string, source: string | null = null): PipelineRun => {
    counter += 1;
    const id = `run-${counter}`;
    return {
      id,
      projectId,
      environment: envKey.startsWith('pr-') ? 'preview' : (envKey as 'staging' | 'production'),
      envKey,
      prNumber: envKey.startsWith('pr-') ? Number(envKey.slice(3)) : null,
      sha: SHA,
      version: null,
      kind: 'deploy',
      trigger: 'trunk',
      actor: null,
      source,
      state: createRunFor(id, {
        environment: 'staging',
        trigger: 'deploy',
        commands: { install: true, build: true, test: true },
        monitor: false,
      }),
      createdAt: `2026-01-01T00:00:0${counter % 10}.000Z`,
      startedAt: null,
      finishedAt: null,
    };
  };

  it('keeps runs with their state, lists the open ones of an environment oldest first, and finds one by source', async () => {
    const first = run('staging', 'event:1');
    const second = run('staging');
    await store.insertRun(first);
    await store.insertRun(second);
    await store.insertRun(run('production'));
    expect((await store.openRuns(projectId, 'staging')).map((open) => open.id)).toEqual([first.id, second.id]);
    const started = {
      ...first,
      state: { ...first.state, status: 'running' as const },
      startedAt: '2026-01-02T00:00:00.000Z',
    };
    await store.saveRun(started);
    expect(await store.run(first.id)).toEqual(started);
    expect((await store.runBySource('event:1'))?.id).toBe(first.id);
    await store.saveRun({ ...second, state: { ...second.state, status: 'canceled' } });
    expect((await store.openRuns(projectId, 'staging')).map((open) => open.id)).toEqual([first.id]);
    // A consumer run twice cannot queue a second run for the same event.
    await expect(store.insertRun(run('staging', 'event:1'))).rejects.toThrow();
  });

  it('appends the log in order and pages output by id', async () => {
    const logged = run('pr-3');
    await store.insertRun(logged);
    await store.appendLog(
      logged.id,
      [
        { subject: 'run', runId: logged.id, event: 'run.start', from: 'queued', to: 'running', reason: null },
        { subject: 'run', runId: logged.id, event: 'run.cancel', from: 'running', to: 'canceled', reason: 'by dana' },
      ],
      '2026-01-03T00:00:00.000Z',
    );
    expect((await store.log(logged.id)).map((entry) => entry.record.event)).toEqual(['run.start', 'run.cancel']);
    await store.appendOutput(
      logged.id,
      Array.from({ length: 5 }, (_, index) => ({
        step: 1,
        stream: index % 2 === 0 ? ('stdout' as const) : ('stderr' as const),
        line: `line ${index}`,
        at: '2026-01-03T00:00:01.000Z',
      })),
    );
    const page = await store.output(logged.id, 0, 2);
    expect(page.map((line) => line.line)).toEqual(['line 0', 'line 1']);
    expect(typeof page[1]?.id).toBe('number');
    const rest = await store.output(logged.id, page[1]?.id ?? 0, 100);
    expect(rest.map((line) => [line.stream, line.line])).toEqual([
      ['stdout', 'line 2'],
      ['stderr', 'line 3'],
      ['stdout', 'line 4'],
    ]);
  });

  it('upserts environments and releases, records one incident per run, and keeps measurements in order', async () => {
    const base = {
      projectId,
      envKey: 'production',
      kind: 'production' as const,
      prNumber: null,
      url: 'http://shop.localhost:4400',
      sha: SHA,
      version: 'v0.0.1',
      runId: 'run-1',
      updatedAt: '2026-01-04T00:00:00.000Z',
    };
    await store.saveEnvironment({ ...base, status: 'deploying' });
    await store.saveEnvironment({ ...base, status: 'live' });
    expect(await store.environments(projectId)).toEqual([{ ...base, status: 'live' }]);

    const release = {
      projectId,
      tag: 'v0.0.1',
      sha: SHA,
      status: 'tagged' as const,
      prs: [1, 2],
      authors: ['dana'],
      runId: null,
      incidentId: null,
      createdAt: '2026-01-04T00:00:00.000Z',
      updatedAt: '2026-01-04T00:00:00.000Z',
    };
    await store.saveRelease(release);
    await store.saveRelease({ ...release, status: 'rolled-back', incidentId: 'incident-1' });
    expect(await store.releases(projectId, 10)).toEqual([
      { ...release, status: 'rolled-back', incidentId: 'incident-1' },
    ]);

    const incident = {
      id: 'incident-1',
      projectId,
      tag: 'v0.0.1',
      runId: 'run-1',
      reason: 'the window failed',
      createdAt: '2026-01-04T00:00:00.000Z',
      resolvedAt: null,
    };
    expect(await store.insertIncident(incident)).toBe(true);
    expect(await store.insertIncident({ ...incident, id: 'incident-2' })).toBe(false);

    await store.appendMeasurement('run-1', { check: '1. http', outcome: 'ok', detail: 'status 200', at: 'a' });
    await store.appendMeasurement('run-1', { check: '1. http', outcome: 'failed', detail: 'status 500', at: 'b' });
    expect((await store.measurements('run-1')).map((measurement) => measurement.outcome)).toEqual(['ok', 'failed']);
  });

  it('lists the standing previews of every project for the TTL sweep, least recently changed first', async () => {
    const preview = (number: number, status: 'live' | 'failed' | 'destroyed', updatedAt: string) => ({
      projectId,
      envKey: `pr-${number}`,
      kind: 'preview' as const,
      prNumber: number,
      status,
      url: null,
      sha: SHA,
      version: null,
      runId: `run-${number}`,
      updatedAt,
    });
    await store.saveEnvironment(preview(7, 'live', '2026-01-09T00:00:00.000Z'));
    await store.saveEnvironment(preview(8, 'destroyed', '2026-01-01T00:00:00.000Z'));
    await store.saveEnvironment(preview(9, 'failed', '2026-01-05T00:00:00.000Z'));
    // The production environment of the test above is no preview.
    expect(await store.standingPreviews()).toEqual([
      preview(9, 'failed', '2026-01-05T00:00:00.000Z'),
      preview(7, 'live', '2026-01-09T00:00:00.000Z'),
    ]);
    await store.saveEnvironment(preview(7, 'destroyed', '2026-01-10T00:00:00.000Z'));
    expect((await store.standingPreviews()).map((environment) => environment.envKey)).toEqual(['pr-9']);
  });
});
