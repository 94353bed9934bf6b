// Hosted git's services built directly over a test database, for tests that need them without a running server.
import type { Logger } from 'pino';
import { eventCatalog } from '../../src/event-catalog.js';
import { GitHostingService } from '../../src/features/git/service.js';
import { ProjectService } from '../../src/features/projects/service.js';
import { AuditLog } from '../../src/platform/audit/audit-log.js';
import { systemClock, uuidGenerator } from '../../src/platform/clock.js';
import type { TestDatabase } from '../../src/platform/db/test-databases.js';
import { EventLog } from '../../src/platform/events/event-log.js';
import { Repositories } from '../../src/platform/git/repositories.js';
import { appUnitOfWork, sqlStores } from '../../src/transaction.js';

/** Projects and hosted git over `database`, as app.ts wires them, with no pull requests behind the pushes. */
export function hostingServices(
  database: TestDatabase,
  logger: Logger,
): { projects: ProjectService; git: GitHostingService } {
  const events = new EventLog(database.db, database.dialect, systemClock, { catalog: eventCatalog });
  const stores = sqlStores(database.db);
  const uow = appUnitOfWork(database.db, {
    events,
    audit: new AuditLog(systemClock),
    jobs: () => ({
      enqueue: async () => {
        throw new Error('hosted git enqueues no job of its own');
      },
    }),
  });
  const repositories = new Repositories(database.dataDir);
  const projects = new ProjectService({
    store: stores.projects,
    uow,
    repositories,
    clock: systemClock,
    ids: uuidGenerator,
  });
  const git = new GitHostingService(repositories, projects, logger, {
    store: stores.git,
    uow,
    dataDir: database.dataDir,
    hookUrl: () => 'http://127.0.0.1:1/internal/git/pre-receive',
    onRefsUpdated: async () => {},
    openPullsOnBranches: async () => [],
    clock: systemClock,
    ids: uuidGenerator,
  });
  return { projects, git };
}
