// The pipeline store over Kysely, the same SQL on SQLite and PostgreSQL.
import {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  type RunLogRecord,
  type RunState,
  TRIGGER_KINDS,
  type TriggerKind,
} from '@trunkflow/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, EnvironmentsTable, PipelineRunsTable, ReleasesTable } from '../../platform/db/schema.js';
import {
  ENVIRONMENT_STATUSES,
  type EnvironmentRecord,
  type EnvironmentStatus,
  type IncidentRecord,
  type MeasurementRecord,
  type OutputLine,
  type PipelineRun,
  RELEASE_STATUSES,
  type ReleaseRecord,
  type ReleaseStatus,
  RUN_TRIGGERS,
  type RunTrigger,
} from './model.js';
import type { PipelineStore } from './store.js';

function oneOf<T extends string>(values: readonly T[], value: string, what: string): T {
  if (!(values as readonly string[]).includes(value)) throw new Error(`unknown ${what} "${value}" in the database`);
  return value as T;
}

function toRun(row: Selectable<PipelineRunsTable>): PipelineRun {
  return {
    id: row.id,
    projectId: row.project_id,
    environment: oneOf<EnvironmentKind>(ENVIRONMENT_KINDS, row.environment, 'environment kind'),
    envKey: row.env_key,
    prNumber: row.pr_number === null ? null : Number(row.pr_number),
    sha: row.sha,
    version: row.version,
    kind: oneOf<TriggerKind>(TRIGGER_KINDS, row.kind, 'run kind'),
    trigger: oneOf<RunTrigger>(RUN_TRIGGERS, row.trigger, 'run trigger'),
    actor: row.actor,
    source: row.source,
    state: JSON.parse(row.state) as RunState,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function toEnvironment(row: Selectable<EnvironmentsTable>): EnvironmentRecord {
  return {
    projectId: row.project_id,
    envKey: row.env_key,
    kind: oneOf<EnvironmentKind>(ENVIRONMENT_KINDS, row.kind, 'environment kind'),
    prNumber: row.pr_number === null ? null : Number(row.pr_number),
    status: oneOf<EnvironmentStatus>(ENVIRONMENT_STATUSES, row.status, 'environment status'),
    url: row.url,
    sha: row.sha,
    version: row.version,
    runId: row.run_id,
    updatedAt: row.updated_at,
  };
}

function toRelease(row: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    projectId: row.project_id,
    tag: row.tag,
    sha: row.sha,
    status: oneOf<ReleaseStatus>(RELEASE_STATUSES, row.status, 'release status'),
    prs: JSON.parse(row.prs) as number[],
    authors: JSON.parse(row.authors) as string[],
    runId: row.run_id,
    incidentId: row.incident_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlPipelineStore implements PipelineStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertRun(run: PipelineRun): Promise<void> {
    await this.db
      .insertInto('pipeline_runs')
      .values({
        id: run.id,
        project_id: run.projectId,
        environment: run.environment,
        env_key: run.envKey,
        pr_number: run.prNumber,
        sha: run.sha,
        version: run.version,
        kind: run.kind,
        trigger: run.trigger,
        actor: run.actor,
        source: run.source,
        status: run.state.status,
        state: JSON.stringify(run.state),
        created_at: run.createdAt,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
      })
      .execute();
  }

  async runBySource(source: string): Promise<PipelineRun | null> {
    const row = await this.db.selectFrom('pipeline_runs').selectAll().where('source', '=', source).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async run(id: string): Promise<PipelineRun | null> {
    const row = await this.db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async saveRun(run: PipelineRun): Promise<void> {
    await this.db
      .updateTable('pipeline_runs')
      .set({
        status: run.state.status,
        state: JSON.stringify(run.state),
        version: run.version,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
      })
      .where('id', '=', run.id)
      .execute();
  }

  async openRuns(projectId: string, envKey: string): Promise<PipelineRun[]> {
    const rows = await this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('env_key', '=', envKey)
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRun);
  }

  async listRuns(projectId: string, limit: number): Promise<PipelineRun[]> {
    const rows = await this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toRun);
  }

  async appendLog(runId: string, records: readonly RunLogRecord[], at: string): Promise<void> {
    if (records.length === 0) return;
    await this.db
      .insertInto('pipeline_run_log')
      .values(records.map((record) => ({ run_id: runId, record: JSON.stringify(record), created_at: at })))
      .execute();
  }

  async log(runId: string): Promise<{ record: RunLogRecord; at: string }[]> {
    const rows = await this.db
      .selectFrom('pipeline_run_log')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({ record: JSON.parse(row.record) as RunLogRecord, at: row.created_at }));
  }

  async appendOutput(runId: string, lines: readonly Omit<OutputLine, 'id'>[]): Promise<void> {
    if (lines.length === 0) return;
    await this.db
      .insertInto('pipeline_output')
      .values(
        lines.map((line) => ({ run_id: runId, step: line.step, stream: line.stream, line: line.line, at: line.at })),
      )
      .execute();
  }

  async output(runId: string, afterId: number, limit: number): Promise<OutputLine[]> {
    const rows = await this.db
      .selectFrom('pipeline_output')
      .selectAll()
      .where('run_id', '=', runId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      step: Number(row.step),
      stream: oneOf(['stdout', 'stderr', 'system'] as const, row.stream, 'output stream'),
      line: row.line,
      at: row.at,
    }));
  }

  async environment(projectId: string, envKey: string): Promise<EnvironmentRecord | null> {
    const row = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('env_key', '=', envKey)
      .executeTakeFirst();
    return row ? toEnvironment(row) : null;
  }

  async environments(projectId: string): Promise<EnvironmentRecord[]> {
    const rows = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('env_key')
      .execute();
    return rows.map(toEnvironment);
  }

  async standingPreviews(): Promise<EnvironmentRecord[]> {
    const rows = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('kind', '=', 'preview')
      .where('status', '!=', 'destroyed')
      .orderBy('updated_at')
      .orderBy('project_id')
      .orderBy('env_key')
      .execute();
    return rows.map(toEnvironment);
  }

  async saveEnvironment(environment: EnvironmentRecord): Promise<void> {
    const values = {
      project_id: environment.projectId,
      env_key: environment.envKey,
      kind: environment.kind,
      pr_number: environment.prNumber,
      status: environment.status,
      url: environment.url,
      sha: environment.sha,
      version: environment.version,
      run_id: environment.runId,
      updated_at: environment.updatedAt,
    };
    await this.db
      .insertInto('environments')
      .values(values)
      .onConflict((conflict) =>
        conflict.columns(['project_id', 'env_key']).doUpdateSet({
          status: values.status,
          url: values.url,
          sha: values.sha,
          version: values.version,
          run_id: values.run_id,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async release(projectId: string, tag: string): Promise<ReleaseRecord | null> {
    const row = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('tag', '=', tag)
      .executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async releases(projectId: string, limit: number): Promise<ReleaseRecord[]> {
    const rows = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('created_at', 'desc')
      .orderBy('tag', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toRelease);
  }

  async saveRelease(release: ReleaseRecord): Promise<void> {
    const values = {
      project_id: release.projectId,
      tag: release.tag,
      sha: release.sha,
      status: release.status,
      prs: JSON.stringify(release.prs),
      authors: JSON.stringify(release.authors),
      run_id: release.runId,
      incident_id: release.incidentId,
      created_at: release.createdAt,
      updated_at: release.updatedAt,
    };
    await this.db
      .insertInto('releases')
      .values(values)
      .onConflict((conflict) =>
        conflict.columns(['project_id', 'tag']).doUpdateSet({
          status: values.status,
          run_id: values.run_id,
          incident_id: values.incident_id,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async insertIncident(incident: IncidentRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('incidents')
      .values({
        id: incident.id,
        project_id: incident.projectId,
        tag: incident.tag,
        run_id: incident.runId,
        reason: incident.reason,
        created_at: incident.createdAt,
        resolved_at: incident.resolvedAt,
      })
      .onConflict((conflict) => conflict.column('run_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async appendMeasurement(runId: string, measurement: MeasurementRecord): Promise<void> {
    await this.db
      .insertInto('pipeline_measurements')
      .values({
        run_id: runId,
        check_name: measurement.check,
        outcome: measurement.outcome,
        detail: measurement.detail,
        at: measurement.at,
      })
      .execute();
  }

  async measurements(runId: string): Promise<MeasurementRecord[]> {
    const rows = await this.db
      .selectFrom('pipeline_measurements')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      check: row.check_name,
      outcome: oneOf(['ok', 'failed', 'inconclusive', 'error'] as const, row.outcome, 'measurement outcome'),
      detail: row.detail,
      at: row.at,
    }));
  }
}
