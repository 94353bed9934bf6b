// Test support for pull requests: real database, real bare repositories and a work clone that pushes into them.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit } from '@trunkflow/git';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { type AppEventCatalog, eventCatalog } from '../../event-catalog.js';
import { AuditLog } from '../../platform/audit/audit-log.js';
import type { Actor, Role } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { Database } from '../../platform/db/schema.js';
import type { TestDatabase } from '../../platform/db/test-databases.js';
import { EventLog } from '../../platform/events/event-log.js';
import { Repositories } from '../../platform/git/repositories.js';
import { type JobQueue, jobWriter } from '../../platform/jobs/catalog.js';
import { createJobQueue } from '../../platform/jobs/queue.js';
import { appUnitOfWork, sqlStores } from '../../transaction.js';
import { AuthService } from '../auth/service.js';
import { type NewProject, type Project, ProjectService } from '../projects/service.js';
import { checksRunJob } from './checks-job.js';
import type { PullsJobs } from './context.js';
import { createPullsFeature, type PullsFeature } from './feature.js';
import type { MergeSettlePayload } from './merge-protocol.js';
import { mergeSettleJob } from './merge-settle-job.js';
import { RuleRunner } from './rule-runner.js';

/** A clock tests move by hand; every reading is one millisecond later, so orderings by time are strict. */
export class TestClock implements Clock {
  private at: number;
  constructor(start = '2025-03-04T10:00:00.000Z') {
    this.at = Date.parse(start);
  }
  now(): Date {
    this.at += 1;
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

let sequence = 0;
export const sequentialIds: IdGenerator = {
  next: () => `id-${Date.now().toString(36)}-${(sequence++).toString(36).padStart(6, '0')}`,
};

/** A PR body that satisfies the user-flow-checklist rule. */
export const CHECKED_BODY = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the page\n';

export const USERS = {
  alice: 'developer',
  bob: 'developer',
  carol: 'developer',
  pat: 'product',
  mia: 'maintainer',
  vic: 'viewer',
} as const satisfies Record<string, Role>;
export type UserName = keyof typeof USERS | 'admin';

export interface PullServiceOptions {
  faults?: readonly string[];
  onFault?: (point: string) => void | Promise<void>;
  /** Another event log over the same database, e.g. one that fails on purpose. */
  events?: EventLog<AppEventCatalog>;
  /**
   * Where this feature's jobs go instead, outside the transaction (a test that holds them). Default:
   * checks to the harness's running queue, in the transaction; settlements held (heldSettles).
   */
  jobs?: PullsJobs;
}

/** Every pull request service's methods on one object, so the tests read the same across the split. */
export function testPulls(feature: PullsFeature, settle: () => Promise<void>) {
  const { reads, lifecycle, reviews, gate, merges, pushes, catchUp } = feature;
  /** A change that enqueues checks, then waits for them: most tests are about what follows the checks. */
  const settled =
    <A extends unknown[], R>(change: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await change(...args);
      await settle();
      return result;
    };
  return {
    feature,
    list: reads.list.bind(reads),
    get: reads.get.bind(reads),
    detail: reads.detail.bind(reads),
    checks: reads.checks.bind(reads),
    open: settled(lifecycle.open.bind(lifecycle)),
    edit: settled(lifecycle.edit.bind(lifecycle)),
    close: lifecycle.close.bind(lifecycle),
    reopen: settled(lifecycle.reopen.bind(lifecycle)),
    ready: lifecycle.ready.bind(lifecycle),
    review: reviews.review.bind(reviews),
    mergeability: gate.mergeability.bind(gate),
    merge: merges.merge.bind(merges),
    handleRefUpdates: settled(pushes.handleRefUpdates.bind(pushes)),
    openPullsOnBranches: pushes.openPullsOnBranches.bind(pushes),
    catchUp: settled(catchUp.run.bind(catchUp)),
    /** Runs `merges.settle` jobs' work here, as a restarted server's runner would, and counts the outcomes. */
    async settleMerges(payloads: readonly MergeSettlePayload[]) {
      const report = { mergesFinished: 0, mergesAbandoned: 0 };
      for (const payload of payloads) {
        const outcome = await merges.settleJob(payload);
        if (outcome === 'finished') report.mergesFinished++;
        if (outcome === 'abandoned') report.mergesAbandoned++;
      }
      await settle();
      return report;
    },
    /** The same calls without waiting for the checks they enqueue. */
    unsettled: { open: lifecycle.open.bind(lifecycle), handleRefUpdates: pushes.handleRefUpdates.bind(pushes) },
  };
}
export type TestPulls = ReturnType<typeof testPulls>;

export class Harness {
  readonly clock = new TestClock();
  readonly logger = pino({ level: 'silent' });
  readonly events: EventLog<AppEventCatalog>;
  readonly auth: AuthService;
  readonly projects: ProjectService;
  readonly repositories: Repositories;
  readonly pulls: TestPulls;
  /** Shared by every pulls feature here; a short limit, so tests of a slow pattern stay short. */
  readonly rules = new RuleRunner(2000);
  /** The real job runner of the test database; `checks.run` jobs run here, on the harness's own feature. */
  readonly jobs: JobQueue<{
    'checks.run': ReturnType<typeof checksRunJob>;
    'merges.settle': ReturnType<typeof mergeSettleJob>;
  }>;
  readonly actors = new Map<UserName, Actor>();
  readonly tokens = new Map<UserName, string>();
  private counter = 0;

  private readonly audit = new AuditLog(this.clock);

  constructor(readonly database: TestDatabase) {
    this.events = new EventLog(database.db, database.dialect, this.clock, { catalog: eventCatalog });
    const stores = sqlStores(database.db);
    const uow = this.unitOfWork(this.events, (executor) => this.queue(executor));
    this.auth = new AuthService({ store: stores.auth, uow, clock: this.clock, ids: sequentialIds });
    this.repositories = new Repositories(database.dataDir);
    this.projects = new ProjectService({
      store: stores.projects,
      uow,
      repositories: this.repositories,
      clock: this.clock,
      ids: sequentialIds,
    });
    this.jobs = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: {
        'checks.run': checksRunJob(() => this.pulls.feature.checks),
        // Settlements a child process enqueued (crash tests); due by the system clock, not this one's.
        'merges.settle': mergeSettleJob(() => this.pulls.feature.merges),
      },
      clock: this.clock,
      logger: this.logger,
      pollMs: 100,
    });
    this.pulls = this.pullService();
  }

  /** Another service over the same database and repositories, as a second process would have. */
  pullService(options: PullServiceOptions = {}): TestPulls {
    return testPulls(
      createPullsFeature({
        store: sqlStores(this.database.db).pulls,
        uow: this.unitOfWork(options.events ?? this.events, (executor) => options.jobs ?? this.queue(executor)),
        repositories: this.repositories,
        projects: this.projects,
        auth: this.auth,
        clock: this.clock,
        ids: sequentialIds,
        logger: this.logger,
        rules: this.rules,
        config: { faults: options.faults ?? [] },
        ...(options.onFault ? { onFault: options.onFault } : {}),
      }),
      () => this.settleChecks(),
    );
  }

  /** Waits (bounded) until no `checks.run` job is queued or running; a failed one is an error. */
  async settleChecks(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const jobs = (await this.jobs.list({ limit: 1000 })).filter((job) => job.name === 'checks.run');
      const failed = jobs.find((job) => job.state === 'failed');
      if (failed) throw new Error(`a checks.run job failed: ${failed.lastError}`);
      if (jobs.length === 0) return;
      if (Date.now() > deadline) throw new Error(`checks still running after ${timeoutMs} ms: ${JSON.stringify(jobs)}`);
      await new Promise((done) => setTimeout(done, 25));
    }
  }

  /**
   * `merges.settle` jobs, held rather than run: the merge tests settle interrupted merges (through
   * settleMerges) at the moment they choose; merge-settle.test.ts runs the real job.
   */
  readonly heldSettles: MergeSettlePayload[] = [];

  /** Checks go to the running queue, in the transaction; merge settlements are held (see heldSettles). */
  private queue(executor: Kysely<Database>): PullsJobs {
    const checks = jobWriter(this.jobs, executor);
    return {
      enqueue: (async (name: string, payload: unknown, options?: object) => {
        if (name === 'checks.run') return checks.enqueue('checks.run', payload as never, options);
        this.heldSettles.push(payload as MergeSettlePayload);
        return { id: `held-settle-${this.heldSettles.length}` };
      }) as PullsJobs['enqueue'],
    };
  }

  private unitOfWork(events: EventLog<AppEventCatalog>, jobs: (executor: Kysely<Database>) => PullsJobs) {
    return appUnitOfWork(this.database.db, { events, audit: this.audit, jobs });
  }

  /** Stops the job runner and the rules worker; the database can be dropped after. */
  async close(): Promise<void> {
    await this.jobs.stop();
    await this.rules.close();
  }

  static async start(database: TestDatabase): Promise<Harness> {
    const harness = new Harness(database);
    await harness.jobs.prepare();
    await harness.jobs.start();
    const first = await harness.auth.ensureFirstAdmin('admin-token-0123456789');
    harness.tokens.set('admin', first.token ?? 'admin-token-0123456789');
    harness.actors.set('admin', await harness.auth.authenticate(harness.tokens.get('admin') ?? ''));
    for (const [name, role] of Object.entries(USERS)) {
      const { token } = await harness.auth.createUser(null, name, role);
      harness.tokens.set(name as UserName, token);
      harness.actors.set(name as UserName, await harness.auth.authenticate(token));
    }
    return harness;
  }

  actor(name: UserName): Actor {
    const actor = this.actors.get(name);
    if (!actor) throw new Error(`no test user ${name}`);
    return actor;
  }

  /** A fresh project with a work clone; trunk gets `files` (and a trunkflow.yml when given). */
  async project(
    options: { trunkFiles?: Record<string, string>; settings?: Partial<NewProject> } = {},
  ): Promise<Workspace> {
    this.counter++;
    const name = `p${this.counter}-${Math.random().toString(36).slice(2, 8)}`;
    const project = await this.projects.create(this.actor('admin'), { name, ...options.settings });
    const work = await mkdtemp(join(tmpdir(), 'trunkflow-work-'));
    const workspace = new Workspace(this, project, this.repositories.pathOf(name), work);
    await workspace.git(['init', '--quiet', '-b', project.trunk]);
    await workspace.git(['remote', 'add', 'origin', workspace.bare]);
    await workspace.commit(options.trunkFiles ?? { 'README.md': '# demo\n' }, 'chore: initial commit', 'mia');
    await workspace.git(['push', '--quiet', 'origin', project.trunk]);
    return workspace;
  }

  async eventTypes(projectId: string): Promise<string[]> {
    return (await this.events.listAfter(0, { projectId, limit: 1000 })).map((event) => event.type);
  }

  async eventsOf(projectId: string, type: string) {
    return (await this.events.listAfter(0, { projectId, limit: 1000 })).filter((event) => event.type === type);
  }
}

export class Workspace {
  readonly cleanups: string[] = [];

  constructor(
    readonly harness: Harness,
    readonly project: Project,
    readonly bare: string,
    readonly dir: string,
  ) {}

  private env(author: UserName): NodeJS.ProcessEnv {
    const at = `${Math.floor(this.harness.clock.now().getTime() / 1000)} +0000`;
    return {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: author,
      GIT_AUTHOR_EMAIL: `${author}@trunkflow.local`,
      GIT_AUTHOR_DATE: at,
      GIT_COMMITTER_NAME: author,
      GIT_COMMITTER_EMAIL: `${author}@trunkflow.local`,
      GIT_COMMITTER_DATE: at,
    };
  }

  git(args: string[], author: UserName = 'alice'): Promise<string> {
    return runGit(args, { cwd: this.dir, env: this.env(author) });
  }

  /** Git in the bare repository, as the server sees it. */
  bareGit(args: string[]): Promise<string> {
    return runGit(args, { cwd: this.bare });
  }

  async serverSha(ref: string): Promise<string | null> {
    const out = await runGit(['rev-parse', '--verify', '--quiet', ref], { cwd: this.bare, okExitCodes: [1] });
    return out.trim() || null;
  }

  /** Writes files (null deletes) and commits on the current branch; returns the sha. */
  async commit(files: Record<string, string | null>, message: string, author: UserName = 'alice'): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) await rm(full, { force: true });
      else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    await this.git(['add', '-A']);
    await this.git(['commit', '--quiet', '--allow-empty', '-m', message], author);
    return (await this.git(['rev-parse', 'HEAD'])).trim();
  }

  /** Creates `branch` from the server's trunk, commits `files` and pushes it (without telling the service). */
  async branch(branch: string, files: Record<string, string | null>, author: UserName = 'alice'): Promise<string> {
    await this.git(['fetch', '--quiet', 'origin']);
    await this.git(['switch', '--quiet', '-C', branch, `origin/${this.project.trunk}`]);
    const sha = await this.commit(files, `work on ${branch}`, author);
    await this.git(['push', '--quiet', '--force', 'origin', branch]);
    return sha;
  }

  /** Adds a commit to an existing branch, pushes it and tells the service, as git hosting does. */
  async pushTo(branch: string, files: Record<string, string | null>, author: UserName = 'alice'): Promise<string> {
    await this.git(['switch', '--quiet', branch]);
    const before = (await this.serverSha(`refs/heads/${branch}`)) ?? '0'.repeat(40);
    const sha = await this.commit(files, `more work on ${branch}`, author);
    await this.git(['push', '--quiet', 'origin', branch]);
    await this.harness.pulls.handleRefUpdates(
      this.project.name,
      [{ ref: `refs/heads/${branch}`, oldSha: before, newSha: sha }],
      this.harness.actor(author).userId,
    );
    return sha;
  }

  /** Commits straight onto the server's trunk (as a maintainer's direct push would). */
  async pushTrunk(files: Record<string, string | null>, message = 'chore: trunk moves'): Promise<string> {
    await this.git(['fetch', '--quiet', 'origin']);
    await this.git(['switch', '--quiet', '-C', this.project.trunk, `origin/${this.project.trunk}`]);
    const sha = await this.commit(files, message, 'mia');
    await this.git(['push', '--quiet', 'origin', this.project.trunk]);
    return sha;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
