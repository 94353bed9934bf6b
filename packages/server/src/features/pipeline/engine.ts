// The run engine: admits runs one per environment, plans with core/pipeline and executes one step per job.
import {
  admit,
  createRunFor,
  type EnvironmentKind,
  type FollowUp,
  isRunTerminal,
  type PipelineDefinition,
  plan,
  type RunEvent,
  type StepState,
  type TriggerKind,
  transition,
} from '@trunkflow/core';
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import type { EventWriter } from '../../platform/events/event-log.js';
import type { EnqueueOptions } from '../../platform/jobs/catalog.js';
import type { NotificationJobs, NotifyTransaction } from '../notifications/notify.js';
import type { Project } from '../projects/service.js';
import type { PipelineEvents } from './events.js';
import { type EnvironmentRecord, envKeyOf, type OutputLine, type PipelineRun, type RunTrigger } from './model.js';
import type { PipelineStore } from './store.js';

export interface AdvancePayload {
  projectId: string;
  envKey: string;
}

export interface PipelineJobs {
  enqueue(name: 'pipeline.advance', payload: AdvancePayload, options?: EnqueueOptions): Promise<{ id: string }>;
}

/** What a pipeline change writes, in one transaction; with `notify`'s needs, so outcomes go out with it. */
export interface PipelineTransaction extends NotifyTransaction {
  pipeline: PipelineStore;
  events: EventWriter<PipelineEvents>;
  jobs: PipelineJobs & NotificationJobs;
}

/** Work a step's result brings with it, done in the transaction that records the result (releases, notifications). */
export type StepFollowUp = (tx: PipelineTransaction) => Promise<void>;

/** What executing a step may tell the engine besides its outcome: the environment it changed, the run's version. */
export type StepResult =
  | {
      outcome: 'succeeded';
      reason?: string;
      environment?: Partial<EnvironmentRecord>;
      version?: string;
      record?: StepFollowUp;
    }
  | { outcome: 'failed'; reason: string; environment?: Partial<EnvironmentRecord>; record?: StepFollowUp }
  /** A monitor step whose window goes on: measure again at `at`. */
  | { outcome: 'measure-again'; at: Date }
  /** A monitor step whose window ended inconclusive: it waits for a person. */
  | { outcome: 'hold'; reason: string; record?: StepFollowUp };

export interface StepContext {
  project: Project;
  run: PipelineRun;
  step: StepState;
  definition: PipelineDefinition;
  /** One line of output, stored with its time and streamed to `runs logs --follow`. */
  log(stream: OutputLine['stream'], line: string): void;
  signal: AbortSignal;
}

/** Runs the I/O of a step (git, commands, deployers, measurements); an unexpected throw is retried by the job. */
export interface StepExecutor {
  execute(context: StepContext): Promise<StepResult>;
}

/** The pipeline definition of a run: from the trunkflow.yml of its sha. */
export interface DefinitionSource {
  definitionFor(project: Project, run: PipelineRun): Promise<PipelineDefinition>;
}

export interface RunRequest {
  project: Project;
  environment: EnvironmentKind;
  prNumber: number | null;
  sha: string;
  version: string | null;
  kind: TriggerKind;
  trigger: RunTrigger;
  actor: string | null;
  /** What caused it (`event:<id>`): a second request with the same source returns the first run. */
  source?: string;
}

export interface PipelineEngineDependencies {
  store: PipelineStore;
  uow: UnitOfWork<PipelineTransaction>;
  projects: { byId(id: string): Promise<Project | null> };
  definitions: DefinitionSource;
  executor: StepExecutor;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /**
   * Called in the transaction that ends a run (so it may read only through `tx`: on SQLite the
   * one connection is this transaction's): where the flow goes on (a staging run that tagged a
   * release queues production; a failed window queues its rollback, `followUp`).
   */
  onRunEnded?: (
    tx: PipelineTransaction,
    project: Project,
    run: PipelineRun,
    followUp: FollowUp | null,
  ) => Promise<void>;
}

/** The job key that serialises one environment's runs: one advance at a time, across every server. */
export function advanceKey(payload: AdvancePayload): string {
  return `pipeline:${payload.projectId}:${payload.envKey}`;
}

/** Output is written in batches: at most this often, or this many lines. */
const FLUSH_MS = 200;
const FLUSH_LINES = 100;

export class PipelineEngine {
  constructor(private readonly deps: PipelineEngineDependencies) {}

  /** Queues a run in `tx`, the transaction of the change that calls for it, and wakes its environment. */
  async request(tx: PipelineTransaction, request: RunRequest): Promise<PipelineRun> {
    const envKey = envKeyOf(request.environment, request.prNumber);
    if (request.source !== undefined) {
      const known = await tx.pipeline.runBySource(request.source);
      if (known) return known;
    }
    const id = this.deps.ids.next();
    // The steps depend only on the environment and the kind; which of them have work is planned later.
    const state = createRunFor(id, {
      environment: request.environment,
      trigger: request.kind,
      commands: { install: true, build: true, test: true },
      monitor: true,
    });
    const run: PipelineRun = {
      id,
      projectId: request.project.id,
      environment: request.environment,
      envKey,
      prNumber: request.prNumber,
      sha: request.sha,
      version: request.version,
      kind: request.kind,
      trigger: request.trigger,
      actor: request.actor,
      source: request.source ?? null,
      state,
      createdAt: this.deps.clock.now().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    await tx.pipeline.insertRun(run);
    await this.runEvent(tx, run, null);
    await this.wake(tx, { projectId: run.projectId, envKey });
    return run;
  }

  /** Enqueues the environment's advance job (in `tx`), due at `at` or now. */
  async wake(tx: PipelineTransaction, payload: AdvancePayload, at?: Date): Promise<void> {
    await tx.jobs.enqueue('pipeline.advance', payload, {
      singletonKey: advanceKey(payload),
      ...(at ? { runAt: at } : {}),
    });
  }

  /**
   * The `pipeline.advance` handler: admission, then at most one step of the environment's running
   * run. It reads everything from the database, so running it again (a crash, a duplicate wake) is
   * safe; a step found running that this job did not start was cut short and is recovered.
   */
  async advance(payload: AdvancePayload, signal: AbortSignal): Promise<string> {
    const project = await this.deps.projects.byId(payload.projectId);
    if (!project) return 'no such project';
    await this.admit(payload);
    const open = await this.deps.store.openRuns(payload.projectId, payload.envKey);
    const run = open.find((candidate) => candidate.state.status === 'running');
    if (!run) return open.length === 0 ? 'idle' : 'queued';
    const definition = await this.deps.definitions.definitionFor(project, run);
    const active = run.state.steps.find((step) => step.status === 'running');
    if (active && active.kind === 'monitor') return this.executeStep(project, run, active, definition, signal);
    if (active) {
      // Cut short by a crash: retry a retry-safe step, or fail the run (a deploy never runs twice).
      await this.apply(run, [{ type: 'run.recover' }]);
      this.deps.logger.warn({ run: run.id, step: active.index, kind: active.kind }, 'recovered an interrupted step');
      return this.again(payload, 'recovered');
    }
    const decision = plan(definition, run.state);
    switch (decision.type) {
      case 'wait':
        return decision.reason;
      case 'done':
        return `run ${run.id} ${decision.status}`;
      case 'advance': {
        const after = await this.deps.uow.run(async (tx) => {
          const applied = await this.applyIn(tx, run, decision.events);
          const ended = plan(definition, applied.state);
          if (ended.type === 'done') await this.deps.onRunEnded?.(tx, project, applied, ended.followUp);
          return applied;
        });
        if (decision.start === null) {
          // The run ended: the next queued one may start.
          return this.again(payload, `run ${run.id} ${after.state.status}`);
        }
        const step = after.state.steps[decision.start.index];
        if (!step) throw new Error(`planned step ${decision.start.index} is not in run ${run.id}`);
        return this.executeStep(project, after, step, definition, signal);
      }
    }
  }

  /** Starts the queued runs admission lets through and cancels the superseded ones, in one transaction. */
  private async admit(payload: AdvancePayload): Promise<void> {
    await this.deps.uow.run(async (tx) => {
      const open = await tx.pipeline.openRuns(payload.projectId, payload.envKey);
      const decision = admit(
        open.map((run) => ({
          id: run.id,
          environment: run.envKey,
          kind: run.environment,
          trigger: run.kind,
          status: run.state.status,
          createdAt: Date.parse(run.createdAt),
          sha: run.sha,
        })),
      );
      for (const { runId, reason } of decision.cancel) {
        const run = open.find((candidate) => candidate.id === runId);
        if (run) await this.applyIn(tx, run, [{ type: 'run.cancel', reason }]);
      }
      for (const { runId } of decision.start) {
        const run = open.find((candidate) => candidate.id === runId);
        if (run) await this.applyIn(tx, run, [{ type: 'run.start' }]);
      }
    });
  }

  private async executeStep(
    project: Project,
    run: PipelineRun,
    step: StepState,
    definition: PipelineDefinition,
    signal: AbortSignal,
  ): Promise<string> {
    const output = new OutputBuffer(
      (lines) => this.deps.store.appendOutput(run.id, lines),
      step.index,
      this.deps.clock,
    );
    let result: StepResult;
    try {
      result = await this.deps.executor.execute({
        project,
        run,
        step,
        definition,
        log: (stream, line) => output.push(stream, line),
        signal,
      });
    } finally {
      await output.close();
    }
    const payload = { projectId: run.projectId, envKey: run.envKey };
    return this.deps.uow.run(async (tx) => {
      const fresh = await tx.pipeline.run(run.id);
      // Canceled while the step ran: the result is kept in the output only.
      if (fresh?.state.status !== 'running') return `run ${run.id} is ${fresh?.state.status ?? 'gone'}`;
      switch (result.outcome) {
        case 'measure-again':
          await this.wake(tx, payload, result.at);
          return `${step.kind} measures again at ${result.at.toISOString()}`;
        case 'hold':
          await this.applyIn(tx, fresh, [{ type: 'step.hold', step: step.index, reason: result.reason }]);
          await result.record?.(tx);
          return `${step.kind} holds: ${result.reason}`;
        case 'succeeded':
        case 'failed': {
          const event: RunEvent =
            result.outcome === 'succeeded'
              ? { type: 'step.succeed', step: step.index, ...(result.reason ? { reason: result.reason } : {}) }
              : { type: 'step.fail', step: step.index, reason: result.reason };
          const versioned =
            result.outcome === 'succeeded' && result.version ? { ...fresh, version: result.version } : fresh;
          await this.applyIn(tx, versioned, [event], result.environment?.url ?? undefined);
          if (result.environment) await this.saveEnvironment(tx, versioned, result.environment);
          await result.record?.(tx);
          await this.wake(tx, payload);
          return `${step.kind} ${result.outcome}`;
        }
      }
    });
  }

  private async again(payload: AdvancePayload, said: string): Promise<string> {
    await this.deps.uow.run((tx) => this.wake(tx, payload));
    return said;
  }

  private apply(run: PipelineRun, events: RunEvent[]): Promise<PipelineRun> {
    return this.deps.uow.run((tx) => this.applyIn(tx, run, events));
  }

  /** A person's decision on a run (promote, abort): applied now, and the environment woken to go on. */
  async applyManual(run: PipelineRun, event: RunEvent, record?: StepFollowUp): Promise<PipelineRun> {
    return this.deps.uow.run(async (tx) => {
      const fresh = (await tx.pipeline.run(run.id)) ?? run;
      const applied = await this.applyIn(tx, fresh, [event]);
      await record?.(tx);
      await this.wake(tx, { projectId: run.projectId, envKey: run.envKey });
      return applied;
    });
  }

  /** Cancels an open run (`trunkflow runs cancel`); a step already running finishes, and its result is dropped. */
  async cancel(run: PipelineRun, by: string): Promise<PipelineRun> {
    return this.deps.uow.run(async (tx) => {
      const fresh = await tx.pipeline.run(run.id);
      if (!fresh || isRunTerminal(fresh.state.status)) return fresh ?? run;
      const canceled = await this.applyIn(tx, fresh, [{ type: 'run.cancel', reason: `canceled by ${by}` }]);
      await this.wake(tx, { projectId: run.projectId, envKey: run.envKey });
      return canceled;
    });
  }

  /** Applies events with core/pipeline's transition, appending every record, in `tx`. */
  private async applyIn(
    tx: PipelineTransaction,
    run: PipelineRun,
    events: RunEvent[],
    url?: string,
  ): Promise<PipelineRun> {
    let current = run;
    const now = this.deps.clock.now().toISOString();
    for (const event of events) {
      const result = transition(current.state, event);
      if (!result.ok) throw new Error(`run ${run.id}: ${result.error.message}`);
      const before = current.state.status;
      current = {
        ...current,
        state: result.state,
        startedAt: current.startedAt ?? (result.state.status === 'running' ? now : null),
        finishedAt: isRunTerminal(result.state.status) ? now : null,
      };
      await tx.pipeline.appendLog(run.id, result.records, now);
      for (const record of result.records) {
        if (record.subject !== 'step') continue;
        const step = current.state.steps[record.step];
        await tx.events.append({
          type: 'deploy.step',
          projectId: run.projectId,
          actor: run.actor,
          payload: {
            runId: run.id,
            envKey: run.envKey,
            step: record.step,
            kind: record.kind,
            status: record.to,
            reason: step?.reason ?? null,
            ...(url && record.kind === 'deploy' ? { url } : {}),
          },
        });
      }
      if (current.state.status !== before) await this.runEvent(tx, current, current.state.reason);
    }
    await tx.pipeline.saveRun(current);
    return current;
  }

  private async runEvent(tx: PipelineTransaction, run: PipelineRun, reason: string | null): Promise<void> {
    await tx.events.append({
      type: 'deploy.run',
      projectId: run.projectId,
      actor: run.actor,
      payload: {
        runId: run.id,
        environment: run.environment,
        envKey: run.envKey,
        kind: run.kind,
        status: run.state.status,
        sha: run.sha,
        version: run.version,
        reason,
      },
    });
  }

  private async saveEnvironment(
    tx: PipelineTransaction,
    run: PipelineRun,
    change: Partial<EnvironmentRecord>,
  ): Promise<void> {
    const known = await tx.pipeline.environment(run.projectId, run.envKey);
    await tx.pipeline.saveEnvironment({
      projectId: run.projectId,
      envKey: run.envKey,
      kind: run.environment,
      prNumber: run.prNumber,
      status: known?.status ?? 'deploying',
      url: known?.url ?? null,
      sha: known?.sha ?? null,
      version: known?.version ?? null,
      runId: run.id,
      ...change,
      updatedAt: this.deps.clock.now().toISOString(),
    });
  }
}

/** Collects a step's output lines and writes them in batches, so a chatty install is not a write per line. */
class OutputBuffer {
  private lines: Omit<OutputLine, 'id'>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (lines: Omit<OutputLine, 'id'>[]) => Promise<void>,
    private readonly step: number,
    private readonly clock: Clock,
  ) {}

  push(stream: OutputLine['stream'], line: string): void {
    this.lines.push({ step: this.step, stream, line: line.slice(0, 4000), at: this.clock.now().toISOString() });
    if (this.lines.length >= FLUSH_LINES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.lines;
    this.lines = [];
    if (batch.length > 0) this.writing = this.writing.then(() => this.write(batch));
  }

  async close(): Promise<void> {
    this.flush();
    await this.writing;
  }
}
