// Builds the pull request services from one named set of dependencies; app.ts and tests call this, nothing else.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { Database } from '../../platform/db/schema.js';
import type { EventAppender } from '../../platform/events/event-log.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { AuthService } from '../auth/service.js';
import type { TrunkEvents } from '../git/events.js';
import type { ProjectService } from '../projects/service.js';
import { CheckRunService, type PullsQueue } from './check-runs.js';
import type { PullsContext } from './context.js';
import type { PullEvents } from './events.js';
import { PullLifecycle } from './lifecycle.js';
import { MergeProtocol } from './merge-protocol.js';
import { MergeGateService } from './mergeability.js';
import { PushSync } from './push-sync.js';
import { PullReads } from './reads.js';
import { PullReconciler } from './reconcile.js';
import { ReviewService } from './reviews.js';
import type { RuleRunner } from './rule-runner.js';
import type { PullStore } from './store.js';
import { SqlPullStore } from './store-sql.js';

export interface PullsDependencies {
  db: Kysely<Database>;
  /** Defaults to the SQL store over `db`; a unit test may pass another. */
  store?: PullStore;
  events: EventAppender<PullEvents & TrunkEvents>;
  repositories: Repositories;
  projects: ProjectService;
  auth: AuthService;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  rules: RuleRunner;
  /** Where `checks.run` and `merges.settle` jobs go, in the transaction of the change that needs them. */
  jobs: PullsQueue;
  /** How long after its intent a merge's settle job runs (default MERGE_SETTLE_DELAY_MS). */
  mergeSettleDelayMs?: number;
  config: { faults: readonly string[] };
  /** What a fault point does; kill -9 unless a test says otherwise. */
  onFault?: (point: string) => void | Promise<void>;
}

export interface PullsFeature {
  reads: PullReads;
  checks: CheckRunService;
  reviews: ReviewService;
  lifecycle: PullLifecycle;
  pushes: PushSync;
  gate: MergeGateService;
  merges: MergeProtocol;
  reconciler: PullReconciler;
}

export function createPullsFeature(deps: PullsDependencies): PullsFeature {
  const ctx: PullsContext = {
    store: deps.store ?? new SqlPullStore(deps.db),
    events: deps.events,
    repositories: deps.repositories,
    projects: deps.projects,
    auth: deps.auth,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
    rules: deps.rules,
  };
  const reads = new PullReads(ctx);
  const faults = { faults: deps.config.faults, ...(deps.onFault ? { onFault: deps.onFault } : {}) };
  const checks = new CheckRunService(ctx, deps.jobs, faults);
  const reviews = new ReviewService(ctx, { reads });
  const lifecycle = new PullLifecycle(ctx, { reads, checks, reviews });
  const pushes = new PushSync(ctx, { lifecycle, checks, reviews });
  const gate = new MergeGateService(ctx, { reads });
  const merges = new MergeProtocol(ctx, { reads, gate, pushes }, faults, deps.jobs, deps.mergeSettleDelayMs);
  const reconciler = new PullReconciler(ctx, { merges, pushes });
  return { reads, checks, reviews, lifecycle, pushes, gate, merges, reconciler };
}
