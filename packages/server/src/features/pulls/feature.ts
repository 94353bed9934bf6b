// Builds the pull request services from one named set of dependencies; app.ts and tests call this, nothing else.
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { AuthService } from '../auth/service.js';
import type { ProjectService } from '../projects/service.js';
import { PushCatchUp } from './catch-up.js';
import { CheckRunService } from './check-runs.js';
import type { PullsContext, PullsTransaction } from './context.js';
import { PullLifecycle } from './lifecycle.js';
import { MergeProtocol } from './merge-protocol.js';
import { MergeGateService } from './mergeability.js';
import { PushSync } from './push-sync.js';
import { PullReads } from './reads.js';
import { ReviewService } from './reviews.js';
import type { RuleRunner } from './rule-runner.js';
import type { PullStore } from './store.js';

export interface PullsDependencies {
  /** Reads outside a transaction; a unit test may pass an in-memory store. */
  store: PullStore;
  /** Writes: the PR change, its events and the jobs it needs (`checks.run`, `merges.settle`), together. */
  uow: UnitOfWork<PullsTransaction>;
  repositories: Repositories;
  projects: ProjectService;
  auth: AuthService;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  rules: RuleRunner;
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
  catchUp: PushCatchUp;
}

export function createPullsFeature(deps: PullsDependencies): PullsFeature {
  const ctx: PullsContext = {
    store: deps.store,
    uow: deps.uow,
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
  const checks = new CheckRunService(ctx, faults);
  const reviews = new ReviewService(ctx, { reads });
  const lifecycle = new PullLifecycle(ctx, { reads, checks, reviews });
  const pushes = new PushSync(ctx, { lifecycle, checks, reviews });
  const gate = new MergeGateService(ctx, { reads });
  const merges = new MergeProtocol(ctx, { reads, gate, pushes }, faults, deps.mergeSettleDelayMs);
  const catchUp = new PushCatchUp(ctx, { pushes });
  return { reads, checks, reviews, lifecycle, pushes, gate, merges, catchUp };
}
