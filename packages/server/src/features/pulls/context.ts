// What every pull request service shares: the store, the event log, git, the clock and the other features it asks.
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { EventAppender } from '../../platform/events/event-log.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { AuthService } from '../auth/service.js';
import type { TrunkEvents } from '../git/events.js';
import type { ProjectService } from '../projects/service.js';
import type { PullEvents } from './events.js';
import type { RuleRunner } from './rule-runner.js';
import type { PullStore } from './store.js';

export interface PullsContext {
  readonly store: PullStore;
  readonly events: EventAppender<PullEvents & TrunkEvents>;
  readonly repositories: Repositories;
  readonly projects: ProjectService;
  readonly auth: AuthService;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly rules: RuleRunner;
}
