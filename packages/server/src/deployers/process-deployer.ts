// The embedded `process` deployer: a worktree per deploy, install and build, then the app supervised behind the proxy.
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.js';
import { type BaseEnv, childEnv } from './child-env.js';
import { describeEnvironment, type EnvironmentRef, environmentKey } from './environment.js';
import { probe } from './health.js';
import { KeyedLock } from './keyed-lock.js';
import { maskedSink, SecretMask } from './output-lines.js';
import { freeLoopbackPort } from './ports.js';
import { processAlive, processRunsIn, stopGroup } from './process-group.js';
import type { EnvironmentProxy } from './proxy.js';
import { runPhase } from './run-command.js';
import { type PendingRelease, type ProcessRelease, type ProcessState, StateStore } from './state-store.js';
import {
  type AppEvent,
  type AppTiming,
  DEFAULT_APP_TIMING,
  type LaunchOutcome,
  SupervisedApp,
} from './supervised-app.js';
import {
  DeployError,
  type Deployer,
  type DeployRequest,
  type DeployResult,
  type DestroyOptions,
  type EnvironmentStatus,
  type LogSink,
  type LogStream,
} from './types.js';
import { addWorktree, removeWorktree, requireFullSha } from './worktree.js';

export interface ProcessTiming extends AppTiming {
  /** After the proxy flips to the new app, how long the old one keeps serving requests already sent to it. */
  switchDrainMs: number;
  /** Between SIGTERM and SIGKILL for an install or build that must stop. */
  commandGraceMs: number;
}

export const DEFAULT_PROCESS_TIMING: ProcessTiming = {
  ...DEFAULT_APP_TIMING,
  switchDrainMs: 500,
  commandGraceMs: 5000,
};

export interface ProcessDeployerOptions {
  dataDir: string;
  proxy: EnvironmentProxy;
  /** What deployed commands inherit from the server (see `baseEnvFrom`). */
  baseEnv: BaseEnv;
  clock: Clock;
  timing?: Partial<ProcessTiming>;
  /** Environments whose previous build stays on disk for `rollback`; production by default. */
  keepPrevious?: (environment: EnvironmentRef) => boolean;
  /** Every line a running app writes, after its deploy too (the `logs` monitor check reads these). */
  onAppOutput?: (environment: EnvironmentRef, stream: LogStream, line: string, at: Date) => void;
  /** Supervision: exits, restarts, crash loops. */
  onAppEvent?: (environment: EnvironmentRef, event: AppEvent) => void;
}

export interface RollbackOptions {
  log: LogSink;
  /** The environment's secrets: the kept build starts with them, as a deploy would. */
  secrets: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface AdoptOptions {
  /** Secrets per environment, for apps that must be started again (they are never on disk). */
  secrets?: (environment: EnvironmentRef) => Promise<Readonly<Record<string, string>>>;
}

export interface AdoptionReport {
  environment: EnvironmentRef;
  /** `adopted`: the recorded process was alive and healthy and is kept. `restarted`: started again from its tree. */
  outcome: 'adopted' | 'restarted' | 'failed';
  pid: number | null;
  detail: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function validate(request: DeployRequest): readonly string[] {
  requireFullSha(request.sha);
  const start = request.commands.start;
  if (start === undefined || start === null || start.length === 0) {
    throw new DeployError(
      'the process deployer needs a `start` command: set `start:` (e.g. `npm start`)',
      'start',
      'failed',
    );
  }
  if (!request.healthPath.startsWith('/')) {
    throw new DeployError(
      `healthPath ${JSON.stringify(request.healthPath)} must start with /, like /healthz`,
      'health',
      'failed',
    );
  }
  return start;
}

export class ProcessDeployer implements Deployer {
  readonly kind = 'process' as const;
  readonly store: StateStore;
  private readonly timing: ProcessTiming;
  private readonly apps = new Map<string, SupervisedApp>();
  /** One deploy, rollback, destroy or adoption per environment at a time. */
  private readonly operations = new KeyedLock();
  /** Every read-modify-write of a record, so a restart's new pid never overwrites a deploy's switch. */
  private readonly writes = new KeyedLock();

  constructor(private readonly options: ProcessDeployerOptions) {
    this.store = new StateStore(options.dataDir);
    this.timing = { ...DEFAULT_PROCESS_TIMING, ...options.timing };
  }

  async deploy(request: DeployRequest): Promise<DeployResult> {
    const start = validate(request);
    return this.operations.run(environmentKey(request.environment), () => this.deployNow(request, start));
  }

  /** Starts production's kept previous build (no install, no build) and switches to it; the current one becomes the kept one. */
  rollback(environment: EnvironmentRef, options: RollbackOptions): Promise<DeployResult> {
    return this.operations.run(environmentKey(environment), () => this.rollbackNow(environment, options));
  }

  destroy(environment: EnvironmentRef, options: DestroyOptions = {}): Promise<void> {
    return this.operations.run(environmentKey(environment), () => this.destroyNow(environment, options));
  }

  async status(environment: EnvironmentRef): Promise<EnvironmentStatus | null> {
    const record = await this.store.read(environment);
    return record?.kind === 'process' ? this.statusOf(record) : null;
  }

  async list(): Promise<EnvironmentStatus[]> {
    const records = await this.store.all();
    return records.flatMap((record) => {
      if (record.kind !== 'process') return [];
      const status = this.statusOf(record);
      return status === null ? [] : [status];
    });
  }

  /**
   * After a server restart: every recorded app whose process is alive, its own and healthy is
   * kept (its output followed from now on); any other is started again from its recorded tree.
   */
  async adopt(options: AdoptOptions = {}): Promise<AdoptionReport[]> {
    const reports: AdoptionReport[] = [];
    for (const record of await this.store.all()) {
      if (record.kind !== 'process') continue;
      const ref = record.environment;
      if (this.apps.has(environmentKey(ref))) continue;
      const report = await this.operations.run(environmentKey(ref), async () => {
        await this.settle(record);
        const current = record.current;
        return current === null ? null : this.adoptNow({ ...record, current }, options);
      });
      if (report !== null) reports.push(report);
    }
    return reports;
  }

  /** Stops supervising and leaves every app running, for the next server's `adopt`. */
  async close(): Promise<void> {
    const apps = [...this.apps.values()];
    this.apps.clear();
    await Promise.all(apps.map((app) => app.release()));
  }

  private async deployNow(request: DeployRequest, start: readonly string[]): Promise<DeployResult> {
    const ref = request.environment;
    const clock = this.options.clock;
    const mask = new SecretMask(request.secrets);
    const sink = maskedSink(request.log, mask);
    const system = (line: string) => sink('system', line, clock.now());
    const dir = this.store.dirOf(ref);
    const id = `${request.sha.slice(0, 12)}-${randomBytes(3).toString('hex')}`;
    const tree = request.prepared?.tree ?? join(dir, id);

    const url = await this.options.proxy.expose(ref, request.proxyMode);
    const pending: PendingRelease = { id, repoPath: request.repoPath, tree, pid: null, keepTree: false };
    await this.setPending(ref, url, pending);
    if (request.prepared) {
      system(`deploying the tree the pipeline prepared: ${tree}`);
    } else {
      system(`checking out ${request.sha} into ${tree}`);
      try {
        await addWorktree(request.repoPath, tree, request.sha);
      } catch (error) {
        await removeWorktree(request.repoPath, tree);
        await this.setPending(ref, url, null);
        throw new DeployError(`could not check out ${request.sha}: ${(error as Error).message}`, 'checkout', 'failed');
      }
    }
    let launched: { release: ProcessRelease; app: SupervisedApp };
    try {
      const facts = this.facts(ref, request.sha, request.version, url);
      const buildEnv = childEnv(this.options.baseEnv, request.variables, request.secrets, facts);
      for (const phase of request.prepared ? [] : (['install', 'build'] as const)) {
        await runPhase({
          phase,
          argv: request.commands[phase],
          cwd: tree,
          env: buildEnv,
          timeoutMs: request.timeouts.commandMs,
          signal: request.signal,
          log: request.log,
          mask,
          clock,
          graceMs: this.timing.commandGraceMs,
          // Recorded, so a server killed during the install stops it when it starts again.
          onSpawn: (pid) => void this.setPending(ref, url, { ...pending, pid }).catch(() => undefined),
        });
      }

      const release: ProcessRelease = {
        id,
        sha: request.sha,
        version: request.version,
        ref: request.ref,
        repoPath: request.repoPath,
        tree,
        start: [...start],
        variables: { ...request.variables },
        secretNames: Object.keys(request.secrets).sort(),
        healthPath: request.healthPath,
        healthTimeoutMs: request.timeouts.healthMs,
        ...(request.proxyMode ? { proxyMode: request.proxyMode } : {}),
        port: await freeLoopbackPort(),
        pid: null,
        deployedAt: clock.now().toISOString(),
      };
      const app = this.appFor(ref, release, request.secrets, url);
      system(
        `starting: ${start.join(' ')} with PORT=${release.port}; waiting up to ${request.timeouts.healthMs} ms for ${request.healthPath}`,
      );
      const outcome = await app.launch(sink, request.signal);
      if (outcome.kind !== 'healthy') throw this.launchError(outcome, release, app);
      system(`healthy: ${request.healthPath} answered on port ${release.port}`);
      launched = { release, app };
    } catch (error) {
      await removeWorktree(request.repoPath, tree);
      await this.removeOutputFiles(dir, id);
      await this.setPending(ref, url, null);
      throw error;
    }
    // From here the new app serves: a failure below must not take its tree away.
    const { release, app } = launched;
    await this.switchTo(ref, url, { ...release, pid: app.pid }, app, system);
    return { url, sha: request.sha, version: request.version, pid: app.pid ?? undefined, port: release.port };
  }

  private async rollbackNow(ref: EnvironmentRef, options: RollbackOptions): Promise<DeployResult> {
    const sink = maskedSink(options.log, new SecretMask(options.secrets));
    const system = (line: string) => sink('system', line, this.options.clock.now());
    const record = await this.store.read(ref);
    const kept = record?.kind === 'process' ? record.previous : null;
    if (kept === null || kept === undefined) {
      throw new DeployError(
        `no previous build of ${describeEnvironment(ref)} is kept: deploy the version you want instead`,
        'rollback',
        'failed',
      );
    }
    if (!(await exists(kept.tree))) {
      throw new DeployError(
        `the kept build of ${kept.sha} is gone from ${kept.tree}: deploy the version you want instead`,
        'rollback',
        'failed',
      );
    }
    const url = await this.options.proxy.expose(ref, kept.proxyMode);
    const release: ProcessRelease = {
      ...kept,
      port: await freeLoopbackPort(),
      pid: null,
      deployedAt: this.options.clock.now().toISOString(),
    };
    const app = this.appFor(ref, release, options.secrets, url);
    system(
      `rolling back to ${kept.sha}${kept.version ? ` (${kept.version})` : ''}: starting the kept build, no install or build`,
    );
    const outcome = await app.launch(sink, options.signal);
    if (outcome.kind !== 'healthy') {
      await this.setPending(ref, url, null);
      const error = this.launchError(outcome, release, app);
      throw new DeployError(error.message, 'rollback', error.reason);
    }
    await this.switchTo(ref, url, { ...release, pid: app.pid }, app, system, { keepCurrent: true });
    return { url, sha: kept.sha, version: kept.version, pid: app.pid ?? undefined, port: release.port };
  }

  private async destroyNow(ref: EnvironmentRef, options: DestroyOptions): Promise<void> {
    const key = environmentKey(ref);
    const system = (line: string) => options.log?.('system', line, this.options.clock.now());
    const record = await this.store.read(ref);
    const app = this.apps.get(key);
    this.apps.delete(key);
    await this.options.proxy.forget(ref);
    if (app !== undefined) {
      system(`stopping the app (process group ${app.pid ?? 'none'})`);
      await app.stop();
    } else if (record?.kind === 'process' && record.current?.pid) {
      await this.stopRecorded(record.current);
    }
    if (record?.kind === 'process') {
      for (const release of [record.current, record.previous]) {
        if (release !== null) await removeWorktree(release.repoPath, release.tree);
      }
    }
    await this.store.remove(ref);
    system(`${describeEnvironment(ref)} is destroyed`);
  }

  private async adoptNow(
    record: ProcessState & { current: ProcessRelease },
    options: AdoptOptions,
  ): Promise<AdoptionReport> {
    const ref = record.environment;
    const current = record.current;
    const output = (line: string) => this.options.onAppOutput?.(ref, 'system', line, this.options.clock.now());
    try {
      const secrets = (await options.secrets?.(ref)) ?? {};
      const missing = current.secretNames.filter((name) => !(name in secrets));
      if (missing.length > 0)
        output(`secrets not given at adoption, a restart runs without them: ${missing.join(', ')}`);
      const url = await this.options.proxy.expose(ref, current.proxyMode);
      const owned = current.pid !== null && (await this.owns(current.pid, current.tree));
      if (owned && current.pid !== null && (await probe(current.port, current.healthPath)).ok) {
        const app = this.appFor(ref, current, secrets, url);
        await app.adopt(current.pid);
        this.apps.set(environmentKey(ref), app);
        this.options.proxy.route(ref, current.port);
        output(`adopted the running app (pid ${current.pid}, port ${current.port})`);
        return { environment: ref, outcome: 'adopted', pid: current.pid, detail: `kept pid ${current.pid}` };
      }
      if (owned && current.pid !== null) await stopGroup(current.pid, this.timing.stopGraceMs);
      if (!(await exists(current.tree))) {
        return {
          environment: ref,
          outcome: 'failed',
          pid: null,
          detail: `its tree ${current.tree} is gone: deploy again`,
        };
      }
      const release: ProcessRelease = { ...current, port: await freeLoopbackPort(), pid: null };
      const app = this.appFor(ref, release, secrets, url);
      this.apps.set(environmentKey(ref), app);
      this.options.proxy.route(ref, release.port);
      await this.update(ref, (state) => (state === null ? null : { ...state, url, current: { ...release } }));
      output(`the recorded app was not running: starting ${current.sha} again from its tree on port ${release.port}`);
      await app.supervise();
      return { environment: ref, outcome: 'restarted', pid: app.pid, detail: `started from ${current.tree}` };
    } catch (error) {
      return { environment: ref, outcome: 'failed', pid: null, detail: (error as Error).message };
    }
  }

  /** New app healthy → record written → route flips → the old app drains, then stops; unneeded trees go. */
  private async switchTo(
    ref: EnvironmentRef,
    url: string,
    release: ProcessRelease,
    app: SupervisedApp,
    system: (line: string) => void,
    { keepCurrent = false } = {},
  ): Promise<void> {
    const key = environmentKey(ref);
    const old = this.apps.get(key);
    const keep = keepCurrent || (this.options.keepPrevious ?? ((env) => env.environment === 'production'))(ref);
    let before: ProcessState | null = null;
    // Recorded before the flip: a crash right after it leaves a record that names the app serving.
    await this.update(ref, (state) => {
      before = state;
      const previous = keep && state?.current ? { ...state.current, pid: null } : null;
      return { kind: 'process', environment: ref, url, current: { ...release, pid: app.pid }, previous, pending: null };
    });
    this.apps.set(key, app);
    this.options.proxy.route(ref, release.port);
    const prior = before as ProcessState | null;
    system(`switched ${describeEnvironment(ref)} to ${release.sha} at ${url}`);
    if (old !== undefined || prior?.current?.pid) {
      await sleep(this.timing.switchDrainMs);
      if (old !== undefined) await old.stop();
      else if (prior?.current) await this.stopRecorded(prior.current);
      system('the previous app is stopped');
    }
    const kept = keep ? prior?.current?.tree : undefined;
    for (const stale of [prior?.current, prior?.previous]) {
      if (stale && stale.tree !== kept && stale.tree !== release.tree) {
        await removeWorktree(stale.repoPath, stale.tree);
        await this.removeOutputFiles(this.store.dirOf(ref), stale.id);
      }
    }
  }

  private async setPending(ref: EnvironmentRef, url: string, pending: PendingRelease | null): Promise<void> {
    await this.update(ref, (state) => {
      if (state === null) {
        return pending === null
          ? null
          : { kind: 'process', environment: ref, url, current: null, previous: null, pending };
      }
      // A first deploy that failed leaves nothing behind.
      if (pending === null && state.current === null && state.previous === null) return 'remove';
      return { ...state, pending };
    });
  }

  /**
   * What a crash left: a launch under way is stopped and its tree removed; trees and output
   * files no record names (a checkout or build the crash cut short) are removed too.
   */
  private async settle(record: ProcessState): Promise<void> {
    const ref = record.environment;
    const dir = this.store.dirOf(ref);
    const pending = record.pending;
    if (pending?.pid != null && (await this.owns(pending.pid, pending.tree))) {
      await stopGroup(pending.pid, this.timing.stopGraceMs);
    }
    const named = [record.current, record.previous].filter((release) => release !== null);
    const ids = new Set(named.map((release) => release.id));
    const repoPath = named[0]?.repoPath ?? pending?.repoPath;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const id = entry.name.replace(/\.(stdout|stderr)\.log$/, '');
      if (ids.has(id) || entry.name === 'state.json') continue;
      if (entry.isDirectory()) {
        if (repoPath !== undefined) await removeWorktree(repoPath, join(dir, entry.name));
        else await rm(join(dir, entry.name), { recursive: true, force: true });
      } else if (entry.name.endsWith('.log')) {
        await rm(join(dir, entry.name), { force: true });
      }
    }
    if (pending) await this.setPending(ref, record.url, null);
  }

  /** null from `change` leaves the record as it is; 'remove' removes the environment's folder. */
  private async update(
    ref: EnvironmentRef,
    change: (state: ProcessState | null) => ProcessState | null | 'remove',
  ): Promise<void> {
    await this.writes.run(environmentKey(ref), async () => {
      const record = await this.store.read(ref);
      const next = change(record?.kind === 'process' ? record : null);
      if (next === 'remove') await this.store.remove(ref);
      else if (next !== null) await this.store.write(ref, next);
    });
  }

  private appFor(
    ref: EnvironmentRef,
    release: ProcessRelease,
    secrets: Readonly<Record<string, string>>,
    url: string,
  ): SupervisedApp {
    const dir = this.store.dirOf(ref);
    // HOST first, so a project variable may change it; the facts last, so nothing may.
    const env = childEnv({ ...this.options.baseEnv, HOST: '127.0.0.1' }, release.variables, secrets, {
      ...this.facts(ref, release.sha, release.version, url),
      PORT: String(release.port),
    });
    const app: SupervisedApp = new SupervisedApp(
      {
        tree: release.tree,
        start: release.start,
        env,
        port: release.port,
        healthPath: release.healthPath,
        healthTimeoutMs: release.healthTimeoutMs,
        stdoutFile: join(dir, `${release.id}.stdout.log`),
        stderrFile: join(dir, `${release.id}.stderr.log`),
      },
      {
        output: (stream, line, at) => this.options.onAppOutput?.(ref, stream, line, at),
        event: (event) => this.options.onAppEvent?.(ref, event),
        pidChanged: (pid) => {
          // The current app's record follows its restarts; a launch's, its pending entry (so a crash can stop it).
          const current = this.apps.get(environmentKey(ref)) === app;
          void this.update(ref, (state) => {
            if (state === null) return null;
            if (current && state.current?.id === release.id) return { ...state, current: { ...state.current, pid } };
            if (!current && state.pending?.id === release.id) return { ...state, pending: { ...state.pending, pid } };
            return null;
          }).catch(() => undefined);
        },
      },
      this.timing,
      this.options.clock,
      new SecretMask(secrets),
    );
    return app;
  }

  private facts(ref: EnvironmentRef, sha: string, version: string | null, url: string) {
    return {
      TRUNKFLOW_ENV: ref.environment,
      TRUNKFLOW_SHA: sha,
      TRUNKFLOW_VERSION: version,
      TRUNKFLOW_URL: url,
      TRUNKFLOW_PR: ref.environment === 'preview' ? String(ref.pr) : null,
    };
  }

  private launchError(
    outcome: Exclude<LaunchOutcome, { kind: 'healthy' }>,
    release: ProcessRelease,
    app: SupervisedApp,
  ) {
    const start = release.start.join(' ');
    switch (outcome.kind) {
      case 'not-started':
        return new DeployError(`the app could not start: ${outcome.message}`, 'start', 'failed', app.tail.get());
      case 'exited':
        return new DeployError(
          `the app (${start}) exited before ${release.healthPath} answered`,
          'start',
          'failed',
          app.tail.get(),
        );
      case 'timeout':
        return new DeployError(
          `the app (${start}) did not answer ${release.healthPath} on port ${release.port} within ${release.healthTimeoutMs} ms (last: ${outcome.last}): make it listen on PORT, or raise \`healthTimeout\``,
          'health',
          'timeout',
          app.tail.get(),
        );
      case 'aborted':
        return new DeployError('the deploy was canceled while the app started', 'start', 'aborted', app.tail.get());
    }
  }

  /** Stops a recorded app this server did not start, if the pid is still that app. */
  private async stopRecorded(release: ProcessRelease): Promise<void> {
    if (release.pid !== null && (await this.owns(release.pid, release.tree))) {
      await stopGroup(release.pid, this.timing.stopGraceMs);
    }
  }

  private async owns(pid: number, tree: string): Promise<boolean> {
    if (!processAlive(pid)) return false;
    const runsIn = await processRunsIn(pid, tree);
    // Without /proc there is no telling; alive is taken as ours, as the record says.
    return runsIn ?? true;
  }

  private async removeOutputFiles(dir: string, id: string): Promise<void> {
    await rm(join(dir, `${id}.stdout.log`), { force: true });
    await rm(join(dir, `${id}.stderr.log`), { force: true });
  }

  private statusOf(record: ProcessState): EnvironmentStatus | null {
    const current = record.current;
    if (current === null) return null;
    const app = this.apps.get(environmentKey(record.environment));
    const state = app !== undefined ? (app.state === 'stopped' ? 'stopped' : app.state) : 'stopped';
    return {
      environment: record.environment,
      kind: 'process',
      state,
      url: record.url,
      sha: current.sha,
      version: current.version,
      deployedAt: new Date(current.deployedAt),
      pid: app?.pid ?? current.pid,
      port: current.port,
      restarts: app?.restarts ?? 0,
      previous: record.previous ? { sha: record.previous.sha, version: record.previous.version } : null,
    };
  }
}
