// The database's tables as Kysely types. Times are ISO-8601 text and flags are 0/1 on both dialects.
import type { Generated } from 'kysely';

/** The two databases Trunkflow runs on. */
export type DialectName = 'sqlite' | 'postgres';

export interface UsersTable {
  id: string;
  name: string;
  /** Role in every project unless a membership overrides it. */
  role: string;
  created_at: string;
  /** Null only between migration 0004's column add and its backfill. */
  email: string | null;
}

export interface TokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  label: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ProjectsTable {
  id: string;
  name: string;
  trunk: string;
  allow_direct_trunk_push: number;
  dismiss_stale_approvals: number;
  required_approvals: number;
  next_pr_number: number;
  created_at: string;
  /** `internal` or `private`. */
  visibility: string;
}

export interface MembershipsTable {
  project_id: string;
  user_id: string;
  role: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  project_id: string | null;
  actor: string | null;
  payload: string;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string | null;
  action: string;
  target: string;
  details: string;
  created_at: string;
}

export interface PullRequestsTable {
  id: string;
  project_id: string;
  number: number;
  title: string;
  body: string;
  author_id: string;
  head_branch: string;
  head_sha: string;
  base_branch: string;
  state: string;
  draft: number;
  task_key: string | null;
  merge_sha: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
}

export interface ReviewsTable {
  id: string;
  pull_request_id: string;
  reviewer_id: string;
  verdict: string;
  body: string;
  sha: string;
  dismissed: number;
  created_at: string;
}

export interface CheckRunsTable {
  id: string;
  pull_request_id: string;
  sha: string;
  ok: number;
  findings: string;
  created_at: string;
  /** Why trunkflow.yml at this sha could not be used (the findings then use the defaults); null when it was fine. */
  config_error: string | null;
}

export interface MergeAttemptsTable {
  pull_request_id: string;
  commit_sha: string;
  trunk_before: string;
  created_at: string;
  /** User name of who asked for the merge; null for rows written before migration 0002. */
  actor: string | null;
}

/**
 * A push whose `push` events are recorded but whose outcome is not yet: written with those events,
 * deleted with its `push.failed` events (if any) once git exits. A row left at start is a push
 * a crash interrupted.
 */
export interface PendingPushesTable {
  id: string;
  project_id: string;
  /** User name of the pusher, as in the `push` events. */
  actor: string;
  /** JSON array of the accepted ref updates ({ ref, oldSha, newSha }). */
  updates: string;
  created_at: string;
}

/** SQLite only: the job runner's queue (platform/jobs/sqlite-queue.ts). Completed jobs are deleted. */
export interface JobsTable {
  id: Generated<number>;
  name: string;
  /** JSON. */
  payload: string;
  /** `queued`, `running` or `failed`. */
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  last_error: string | null;
  singleton_key: string | null;
  /** While running: the lease; past it, the job is taken again (its runner died). */
  locked_until: string | null;
  created_at: string;
}

/** SQLite only: when each recurring job last fired. */
export interface JobSchedulesTable {
  id: string;
  last_at: string;
}

/** PostgreSQL only: graphile-worker workers' heartbeats. */
export interface JobWorkersTable {
  worker_id: string;
  heartbeat_at: Date;
}

/** A delivery pipeline run (features/pipeline); `state` is its core/pipeline RunState as JSON. */
export interface PipelineRunsTable {
  id: string;
  project_id: string;
  /** `preview`, `staging` or `production`. */
  environment: string;
  /** `pr-<n>` for a preview, else the environment's name. */
  env_key: string;
  pr_number: number | null;
  sha: string;
  version: string | null;
  /** `deploy`, `rollback` or `destroy`. */
  kind: string;
  /** What started it: `pull_request`, `trunk`, `tag`, `manual`, `monitor`. */
  trigger: string;
  actor: string | null;
  /** What caused it, unique: `event:<id>` when an event consumer queued it; null for a person's. */
  source: string | null;
  status: string;
  state: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Every transition of every run, append-only. */
export interface PipelineRunLogTable {
  id: Generated<number>;
  run_id: string;
  /** JSON of a core/pipeline RunLogRecord. */
  record: string;
  created_at: string;
}

/** One line of a step's output. */
export interface PipelineOutputTable {
  id: Generated<number>;
  run_id: string;
  step: number;
  /** `stdout`, `stderr` or `system`. */
  stream: string;
  line: string;
  at: string;
}

/** What each environment of a project serves now. */
export interface EnvironmentsTable {
  project_id: string;
  env_key: string;
  kind: string;
  pr_number: number | null;
  /** `deploying`, `live`, `failed` or `destroyed`. */
  status: string;
  url: string | null;
  sha: string | null;
  version: string | null;
  run_id: string | null;
  updated_at: string;
}

/** A version tag the pipeline made, and how its production window went. */
export interface ReleasesTable {
  project_id: string;
  tag: string;
  sha: string;
  /** `tagged`, `watching`, `passed`, `failed`, `rolled-back` or `inconclusive`. */
  status: string;
  /** JSON array of the PR numbers in the release. */
  prs: string;
  /** JSON array of their authors' user names: the people on watch. */
  authors: string;
  /** The production run that deploys it. */
  run_id: string | null;
  incident_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A failed deployment: a release whose window failed and was rolled back. */
export interface IncidentsTable {
  id: string;
  project_id: string;
  tag: string;
  /** The rollback run that recorded it; one incident per rollback. */
  run_id: string;
  reason: string;
  created_at: string;
  resolved_at: string | null;
}

/** One measurement of a monitoring window's check. */
export interface PipelineMeasurementsTable {
  id: Generated<number>;
  run_id: string;
  check_name: string;
  /** `ok`, `failed`, `inconclusive` or `error`. */
  outcome: string;
  detail: string;
  at: string;
}

/** A project's notification targets (features/notifications); URLs and secrets are sealed (platform/secrets). */
export interface NotificationTargetsTable {
  id: string;
  project_id: string;
  name: string;
  /** `slack` or `webhook`. */
  kind: string;
  url_sealed: string;
  url_hint: string;
  secret_sealed: string | null;
  /** JSON array of event type names. */
  events: string;
  created_at: string;
  created_by: string;
  last_delivery_at: string | null;
  last_delivery_event: string | null;
  last_delivery_ok: number | null;
  last_delivery_attempt: number | null;
  last_delivery_error: string | null;
}

/** An environment's secrets (features/secrets); the value is sealed (platform/secrets), bound to project, environment and name. */
export interface EnvironmentSecretsTable {
  project_id: string;
  /** `preview`, `staging` or `production`. */
  environment: string;
  name: string;
  value_sealed: string;
  created_at: string;
  updated_at: string;
  /** User name of who set it last. */
  updated_by: string;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  projects: ProjectsTable;
  memberships: MembershipsTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  pull_requests: PullRequestsTable;
  reviews: ReviewsTable;
  check_runs: CheckRunsTable;
  merge_attempts: MergeAttemptsTable;
  pending_pushes: PendingPushesTable;
  jobs: JobsTable;
  job_schedules: JobSchedulesTable;
  job_workers: JobWorkersTable;
  pipeline_runs: PipelineRunsTable;
  pipeline_run_log: PipelineRunLogTable;
  pipeline_output: PipelineOutputTable;
  environments: EnvironmentsTable;
  releases: ReleasesTable;
  incidents: IncidentsTable;
  pipeline_measurements: PipelineMeasurementsTable;
  notification_targets: NotificationTargetsTable;
  environment_secrets: EnvironmentSecretsTable;
}
