// The one composition root: builds every service from its dependencies and wires the HTTP routes.
import pino, { type Logger } from 'pino';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { createDeployers } from './deployers/index.js';
import { createProxy } from './deployers/proxy.js';
import { type AppEventCatalog, eventCatalog } from './event-catalog.js';
import { registerAuthRoutes } from './features/auth/routes.js';
import { AuthService } from './features/auth/service.js';
import { registerEventRoutes } from './features/events/routes.js';
import { registerGitRoutes } from './features/git/routes.js';
import { GitHostingService } from './features/git/service.js';
import { registerHealthRoutes } from './features/health/routes.js';
import { registerNotificationRoutes } from './features/notifications/routes.js';
import { NotificationService } from './features/notifications/service.js';
import { createPipelineFeature, type PipelineFeature } from './features/pipeline/feature.js';
import { SWEEP_PREVIEWS_CRON, SWEEP_PREVIEWS_JOB } from './features/pipeline/preview-sweep.js';
import { registerPipelineRoutes } from './features/pipeline/routes.js';
import { RunSignals, signallingOutput } from './features/pipeline/run-signals.js';
import { registerRunStreamRoute } from './features/pipeline/run-stream.js';
import { SqlRunStreamReads } from './features/pipeline/run-stream-reads.js';
import { registerProjectRoutes } from './features/projects/routes.js';
import { ProjectService } from './features/projects/service.js';
import { createPullsFeature, type PullsFeature } from './features/pulls/feature.js';
import { registerPullRoutes } from './features/pulls/routes.js';
import { RuleRunner } from './features/pulls/rule-runner.js';
import { registerSecretRoutes } from './features/secrets/routes.js';
import { EnvironmentSecretService } from './features/secrets/service.js';
import { type ServerJobCatalog, serverJobCatalog } from './job-catalog.js';
import { AuditLog } from './platform/audit/audit-log.js';
import { type Clock, type IdGenerator, systemClock, uuidGenerator } from './platform/clock.js';
import type { ServerConfig } from './platform/config.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './platform/db/connect.js';
import { NotFoundError } from './platform/errors.js';
import { EventConsumers } from './platform/events/consumers.js';
import { EventHub } from './platform/events/event-hub.js';
import { EVENTS_CHANNEL, EventLog } from './platform/events/event-log.js';
import { JobDelivery } from './platform/events/job-delivery.js';
import { Repositories } from './platform/git/repositories.js';
import { type App, buildHttpApp } from './platform/http/app.js';
import { type JobQueue, jobWriter } from './platform/jobs/catalog.js';
import { createJobQueue } from './platform/jobs/queue.js';
import { registerJobRoutes } from './platform/jobs/routes.js';
import { SecretBox } from './platform/secrets/secret-box.js';
import { appUnitOfWork, sqlStores } from './transaction.js';

/** Where git's hook, on this machine, reaches the server: loopback unless it listens on one address only. */
function hookHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === 'localhost' || host === '127.0.0.1') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export interface AppDependencies {
  config: ServerConfig;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /**
   * Subscribes event consumers, at composition time: before the first append (the start-up
   * catch-up appends events), since an event gets jobs only for the consumers subscribed when it
   * is appended. Features subscribe theirs here in app.ts; tests pass theirs.
   */
  subscribeConsumers?: (consumers: EventConsumers<AppEventCatalog>) => void;
}

export interface Trunkflow {
  http: App;
  database: DatabaseHandle;
  /** Durable jobs: enqueue in the transaction of the change that causes them. */
  jobs: JobQueue<ServerJobCatalog>;
  logger: Logger;
  /** The admin token created on first start, to print once; null otherwise. */
  firstAdminToken: string | null;
  /** Listens and returns the URL. */
  listen(): Promise<string>;
  /** Stops taking work, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export async function createTrunkflow(deps: AppDependencies): Promise<Trunkflow> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? uuidGenerator;
  // JSON logs go to stderr, so stdout carries only what `serve` tells people and scripts.
  const logger = deps.logger ?? pino({ level: config.logLevel }, pino.destination(2));

  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    // The message and code only: pg attaches its whole client object to these errors.
    onConnectionError: (error, connection) =>
      logger.warn(
        { connection, error: error.message, code: (error as { code?: string }).code },
        'PostgreSQL dropped a connection; reconnecting',
      ),
  });
  const applied = await migrateToLatest(database);
  logger.info({ database: database.location, dialect: database.dialect, applied }, 'database ready');
  const { db } = database;
  // Consumers run as `events.consume` jobs, so the registry comes before the job catalog.
  const consumers = new EventConsumers(eventCatalog);
  deps.subscribeConsumers?.(consumers);
  let pulls: PullsFeature | undefined;
  let notifications: NotificationService | undefined;
  let pipeline: PipelineFeature | undefined;
  // Deploys need the server's port (host-mode URLs carry it), known once it listens.
  let listening: () => void = () => {};
  const listeningNow = new Promise<void>((resolve) => {
    listening = resolve;
  });
  const jobs = createJobQueue({
    db,
    dialect: database.dialect,
    // checks.run, merges.settle and notifications.deliver need features built below, once the queue exists to enqueue into.
    catalog: serverJobCatalog({
      db,
      consumers,
      checks: () => pulls?.checks,
      merges: () => pulls?.merges,
      notifications: () => notifications,
      pipeline: () => pipeline?.engine,
      previewSweep: () => pipeline?.sweep,
      whenListening: () => listeningNow,
    }),
    clock,
    logger,
    recurring: [{ id: SWEEP_PREVIEWS_JOB, cron: SWEEP_PREVIEWS_CRON, job: SWEEP_PREVIEWS_JOB, payload: {} }],
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  });
  // Before anything can enqueue: on PostgreSQL this creates graphile-worker's schema.
  await jobs.prepare().catch(async (error: unknown) => {
    await database.close();
    throw error;
  });

  let hub: EventHub | null = null;
  // Each append enqueues one job per consumer of its type, in the appending transaction.
  const events = new EventLog(db, database.dialect, clock, {
    catalog: eventCatalog,
    onAppend: () => hub?.nudge(),
    delivery: new JobDelivery(consumers, jobs),
  });
  const listen = database.listen;
  hub = new EventHub(events, listen ? (onNotify) => listen(EVENTS_CHANNEL, onNotify) : null);
  const stores = sqlStores(db);
  const uow = appUnitOfWork(db, {
    events,
    audit: new AuditLog(clock),
    jobs: (executor) => jobWriter(jobs, executor),
  });
  const auth = new AuthService({ store: stores.auth, uow, clock, ids });
  const repositories = new Repositories(config.dataDir);
  const projects = new ProjectService({ store: stores.projects, uow, repositories, clock, ids });
  // One box for every feature's secrets: the key file is read once.
  const secretBox = SecretBox.inDataDir(config.dataDir);
  notifications = new NotificationService({
    store: stores.notifications,
    uow,
    secrets: secretBox,
    projectName: async (id) => (await projects.byId(id))?.name ?? null,
    clock,
    ids,
  });
  const environmentSecrets = new EnvironmentSecretService({
    store: stores.environmentSecrets,
    uow,
    secrets: secretBox,
    clock,
  });
  const rules = new RuleRunner();
  pulls = createPullsFeature({
    store: stores.pulls,
    uow,
    repositories,
    projects,
    auth,
    clock,
    ids,
    logger,
    rules,
    config: { faults: config.faults },
  });
  let listenPort = config.port;
  let baseUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const proxy = createProxy({ mode: config.proxyMode, serverPort: () => listenPort, dataDir: config.dataDir, logger });
  const deployers = createDeployers({ dataDir: config.dataDir, proxy, baseEnv: config.childEnv, clock });
  // Output stored by this process wakes its run streams at once (RunSignals); other replicas' by polling.
  const runSignals = new RunSignals();
  const built = createPipelineFeature({
    store: signallingOutput(stores.pipeline, runSignals),
    uow,
    repositories,
    projects,
    pulls: async (projectId, number) => {
      const project = await projects.byId(projectId);
      const pull = project ? await pulls?.reads.get(project, number).catch(() => null) : null;
      return pull ? { state: pull.state, draft: pull.draft, headSha: pull.headSha } : null;
    },
    pullAuthors: async (projectId, numbers) => {
      const project = await projects.byId(projectId);
      if (!project || !pulls) return [];
      const authors = new Set<string>();
      for (const number of numbers) {
        const pull = await pulls.reads.get(project, number).catch(() => null);
        if (pull) authors.add(pull.author);
      }
      return [...authors];
    },
    deployers,
    secrets: (project, environment) => environmentSecrets.values(project.id, environment),
    dataDir: config.dataDir,
    baseEnv: config.childEnv,
    publicUrl: () => baseUrl,
    clock,
    ids,
    logger,
  });
  pipeline = built;
  built.subscribe(consumers);
  // Every consumer is subscribed by now: the first append follows, and a later consumer would miss events.
  consumers.seal();

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'trunkflow_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });

  // A refused TRUNKFLOW_ADMIN_TOKEN stops the start; the pool must not keep the process waiting.
  const first = await auth.ensureFirstAdmin(config.adminToken).catch(async (error: unknown) => {
    await rules.close();
    await database.close();
    throw error;
  });
  const http = await buildHttpApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    authenticate: (token) => auth.authenticate(token),
  });
  http.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode });
  });
  // In front of the API: requests for an environment's host (pr-3.shop.localhost) go to its app.
  proxy.install(http.server);

  let draining = false;
  const git = new GitHostingService(repositories, projects, logger, {
    store: stores.git,
    uow,
    dataDir: config.dataDir,
    hookUrl: () => `http://${hookHost(config.host)}:${listenPort}/internal/git/pre-receive`,
    onRefsUpdated: (project, updates, pusher) => pulls.pushes.handleRefUpdates(project.name, updates, pusher.userId),
    openPullsOnBranches: (projectId, branches) => pulls.pushes.openPullsOnBranches(projectId, branches),
    clock,
    ids,
    faults: config.faults,
  });
  await git.hook.install();
  // A server whose hook cannot run would refuse every push: it says why and does not start.
  await git.hook.assertRuns().catch(async (error: unknown) => {
    await rules.close();
    await database.close();
    throw error;
  });
  // Before listening: a push a crash interrupted gets the push.failed events it missed, so the event
  // log and the refs agree; then open pull requests catch up with their branches, asking for checks.
  // (A merge a crash interrupted is no start-up work: its merges.settle job finishes or undoes it.)
  const pushes = await git.reconcile();
  logger.info({ reconciled: pushes }, 'pushes reconciled');
  const caughtUp = await pulls.catchUp.run();
  logger.info({ caughtUp }, 'pull requests caught up with their branches');
  const gitUrlOf = (name: string) => `${baseUrl}/git/${name}.git`;
  registerHealthRoutes(http, db, registry, () => draining);
  registerAuthRoutes(http, auth, projects);
  registerProjectRoutes(http, projects, gitUrlOf);
  registerEventRoutes(http, events, hub, projects, auth);
  registerGitRoutes(http, git, (token) => auth.authenticate(token));
  registerPullRoutes(http, pulls, projects, async (projectId, number) => {
    const preview = await built.store.environment(projectId, `pr-${number}`);
    return preview ? { url: preview.url, status: preview.status, sha: preview.sha } : null;
  });
  registerJobRoutes(http, jobs);
  registerNotificationRoutes(http, notifications, projects);
  registerSecretRoutes(http, environmentSecrets, projects);
  registerPipelineRoutes(http, built, projects);
  registerRunStreamRoute(http, {
    store: built.store,
    reads: new SqlRunStreamReads(db),
    signals: runSignals,
    hub,
    projects,
    tokens: auth,
  });
  // Last, so no failure above leaves a runner going: jobs start running once the server is built.
  await jobs.start();

  return {
    http,
    database,
    jobs,
    logger,
    firstAdminToken: first.created && config.adminToken === undefined ? first.token : null,
    async listen() {
      await hub?.start();
      await http.listen({ port: config.port, host: config.host });
      const address = http.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      listenPort = port;
      if (config.publicUrl === undefined) baseUrl = `http://localhost:${port}`;
      // The apps a previous server left running are kept (or started again) now that URLs are known.
      // An app restarted here gets its environment's secrets again, as its deploy did (they are never on disk).
      const adopted = await deployers.adopt({
        secrets: async (ref) => {
          const project = await projects.get(ref.project).catch((error: unknown) => {
            if (error instanceof NotFoundError) return null;
            throw error;
          });
          return project ? environmentSecrets.values(project.id, ref.environment) : {};
        },
      });
      if (adopted.length > 0) logger.info({ adopted }, 'deployed apps adopted');
      listening();
      return `http://localhost:${port}`;
    },
    async close() {
      draining = true;
      await hub?.stop();
      // The apps keep running, for the next start to adopt; their proxied connections end.
      await deployers.close();
      await proxy.close();
      await http.close();
      // In-flight jobs finish, or are released to run again, before the database closes.
      await jobs.stop();
      await rules.close();
      await database.close();
    },
  };
}
