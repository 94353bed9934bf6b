// What every pull request service shares: the store, the unit of work, git, the clock and the other features it asks.
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import type { EventWriter } from '../../platform/events/event-log.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { EnqueueOptions } from '../../platform/jobs/catalog.js';
import type { AuthService } from '../auth/service.js';
import type { TrunkEvents } from '../git/events.js';
import type { ProjectService } from '../projects/service.js';
import type { ChecksRunPayload } from './check-runs.js';
import type { PullEvents } from './events.js';
import type { MergeSettlePayload } from './merge-protocol.js';
import type { RuleRunner } from './rule-runner.js';
import type { PullStore } from './store.js';

/** The jobs the pulls feature enqueues: its checks and its merges' settlements. */
export interface PullsJobs {
  enqueue(name: 'checks.run', payload: ChecksRunPayload, options?: EnqueueOptions): Promise<{ id: string }>;
  enqueue(name: 'merges.settle', payload: MergeSettlePayload, options?: EnqueueOptions): Promise<{ id: string }>;
}

/** What a pull request change writes, in one transaction. */
export interface PullsTransaction {
  pulls: PullStore;
  /** The project's PR counter, kept by the projects feature. */
  projects: { takeNumber(projectId: string): Promise<number> };
  events: EventWriter<PullEvents & TrunkEvents>;
  jobs: PullsJobs;
}

export interface PullsContext {
  /** Reads outside a transaction. */
  readonly store: PullStore;
  readonly uow: UnitOfWork<PullsTransaction>;
  readonly repositories: Repositories;
  readonly projects: ProjectService;
  readonly auth: AuthService;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly rules: RuleRunner;
}
