// The composition root's unit of work: every feature's SQL store, the event log, the job queue and the audit log in one transaction.
import type { Kysely } from 'kysely';
import type { AppEventCatalog } from './event-catalog.js';
import type { AuthStore } from './features/auth/store.js';
import { SqlAuthStore } from './features/auth/store-sql.js';
import type { GitStore } from './features/git/store.js';
import { SqlGitStore } from './features/git/store-sql.js';
import type { NotificationStore } from './features/notifications/store.js';
import { SqlNotificationStore } from './features/notifications/store-sql.js';
import type { PipelineStore } from './features/pipeline/store.js';
import { SqlPipelineStore } from './features/pipeline/store-sql.js';
import type { ProjectStore } from './features/projects/store.js';
import { SqlProjectStore } from './features/projects/store-sql.js';
import type { PullStore } from './features/pulls/store.js';
import { SqlPullStore } from './features/pulls/store-sql.js';
import type { EnvironmentSecretStore } from './features/secrets/store.js';
import { SqlEnvironmentSecretStore } from './features/secrets/store-sql.js';
import type { AuditLog, AuditWriter } from './platform/audit/audit-log.js';
import type { Role } from './platform/auth/roles.js';
import type { Database } from './platform/db/schema.js';
import { SqlUnitOfWork, type UnitOfWork } from './platform/db/unit-of-work.js';
import type { EventLog, EventLogWriter } from './platform/events/event-log.js';
import type { JobCatalog, JobWriter } from './platform/jobs/catalog.js';

/** Every feature's store over one executor: the database for reads, a transaction inside a unit of work. */
export interface AppStores {
  auth: AuthStore;
  projects: ProjectStore;
  git: GitStore;
  pulls: PullStore;
  notifications: NotificationStore;
  pipeline: PipelineStore;
  environmentSecrets: EnvironmentSecretStore;
}

export function sqlStores(executor: Kysely<Database>): AppStores {
  const auth = new SqlAuthStore(executor);
  return {
    auth,
    projects: new SqlProjectStore(executor),
    git: new SqlGitStore(executor),
    // Names and roles come from the auth store of the same executor, so a transaction sees its own writes.
    pulls: new SqlPullStore(executor, auth),
    notifications: new SqlNotificationStore(executor),
    pipeline: new SqlPipelineStore(executor),
    environmentSecrets: new SqlEnvironmentSecretStore(executor),
  };
}

/** What any feature's transaction may hold; each feature's service asks for its part of it. */
export interface AppTransaction<J extends JobCatalog = JobCatalog> extends AppStores {
  memberships: { set(projectId: string, userId: string, role: Role): Promise<void> };
  events: EventLogWriter<AppEventCatalog>;
  jobs: JobWriter<J>;
  audit: AuditWriter;
}

export interface TransactionParts<J extends JobCatalog> {
  events: EventLog<AppEventCatalog>;
  audit: AuditLog;
  /** The job writer of a transaction; tests may hold some jobs back instead of enqueueing them. */
  jobs: (executor: Kysely<Database>) => JobWriter<J>;
}

export function appUnitOfWork<J extends JobCatalog>(
  db: Kysely<Database>,
  parts: TransactionParts<J>,
): UnitOfWork<AppTransaction<J>> {
  return new SqlUnitOfWork(db, (executor) => {
    const stores = sqlStores(executor);
    return {
      ...stores,
      memberships: { set: (projectId, userId, role) => stores.auth.setMembership(projectId, userId, role) },
      events: parts.events.writer(executor),
      jobs: parts.jobs(executor),
      audit: parts.audit.writer(executor),
    };
  });
}
