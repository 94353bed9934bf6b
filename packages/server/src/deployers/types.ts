// The contract between the pipeline and a deployer: what a deploy is asked for, what it answers, how it fails.
import type { EnvironmentRef } from './environment.js';

export type DeployerKind = 'process' | 'command';

export type LogStream = 'stdout' | 'stderr' | 'system';

/**
 * Receives every line a deploy produces, as it is produced: the commands' own output, and
 * `system` lines saying what the deployer does. The caller stores and streams them.
 */
export type LogSink = (stream: LogStream, line: string, at: Date) => void;

/** Commands are argument arrays, run without a shell; null means "skip this step". */
export interface DeployCommands {
  install: readonly string[] | null;
  build: readonly string[] | null;
  /** The app's start command: needed by the `process` deployer. */
  start?: readonly string[] | null;
  /** The command that deploys and prints `TRUNKFLOW_URL=<url>`: needed by the `command` deployer. */
  deploy?: readonly string[] | null;
}

export interface DeployTimeouts {
  /** The longest any one command (install, build, deploy) may run before its process group is stopped. */
  commandMs: number;
  /** How long a started app has to answer its health path. */
  healthMs: number;
}

export interface DeployRequest {
  environment: EnvironmentRef;
  /** The project's bare repository; the sha is checked out of it into a worktree. */
  repoPath: string;
  /**
   * A tree the caller already checked out (and installed and built): the pipeline runs those as
   * steps of their own. The deployer uses it as is, with no checkout, install or build of its own,
   * and takes it over (a `process` deploy keeps it while it serves; destroy removes it).
   */
  prepared?: { tree: string };
  sha: string;
  /** The ref the sha came from (a branch, `refs/pull/3/head`, a tag), or null. */
  ref: string | null;
  /** The release tag, when the sha has one. */
  version: string | null;
  commands: DeployCommands;
  /** Plain variables from trunkflow.yml: recorded with the deploy, so a restart can use them. */
  variables: Readonly<Record<string, string>>;
  /** Decrypted secrets for this environment: never written to disk, and masked in the output. */
  secrets: Readonly<Record<string, string>>;
  /** A path such as `/healthz` that answers 2xx once the app is up. */
  healthPath: string;
  timeouts: DeployTimeouts;
  /** `process` only: trunkflow.yml's `proxy.mode`; without it, the proxy's default. */
  proxyMode?: 'host' | 'port';
  signal?: AbortSignal;
  log: LogSink;
}

export interface DeployResult {
  /** Where the environment answers now. */
  url: string;
  sha: string;
  version: string | null;
  /** `process` only: the supervised app's process id and loopback port. */
  pid?: number;
  port?: number;
}

export interface DestroyOptions {
  log?: LogSink;
  signal?: AbortSignal;
  /** `command` only: the destroy command (e.g. `vercel remove`), run with the deploy's variables. */
  command?: readonly string[] | null;
  variables?: Readonly<Record<string, string>>;
  secrets?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

/**
 * `starting`: a deploy or restart waits for health. `running`: healthy. `restarting`: it exited
 * and waits out its backoff. `crash-loop`: it keeps exiting soon after starting; restarts go on
 * with the longest backoff. `stopped`: recorded but not running (a restarted server that has not
 * adopted it yet). `deployed`: a `command` deploy finished (Trunkflow runs nothing itself).
 */
export type EnvironmentState = 'starting' | 'running' | 'restarting' | 'crash-loop' | 'stopped' | 'deployed';

export interface EnvironmentStatus {
  environment: EnvironmentRef;
  kind: DeployerKind;
  state: EnvironmentState;
  url: string;
  sha: string;
  version: string | null;
  deployedAt: Date;
  /** `process` only. */
  pid?: number | null;
  port?: number;
  /** How many times supervision restarted the current deploy. */
  restarts?: number;
  /** The kept build `rollback` would start (production keeps one). */
  previous?: { sha: string; version: string | null } | null;
}

export interface Deployer {
  readonly kind: DeployerKind;
  /** Deploys the sha; resolves once the new deploy answers at `url`, rejects with a DeployError. */
  deploy(request: DeployRequest): Promise<DeployResult>;
  /** Stops and removes the environment; an environment that is not deployed is no error. */
  destroy(environment: EnvironmentRef, options?: DestroyOptions): Promise<void>;
  /** What runs there now, or null when nothing does. */
  status(environment: EnvironmentRef): Promise<EnvironmentStatus | null>;
  /** Every environment this deployer has deployed. */
  list(): Promise<EnvironmentStatus[]>;
}

export type DeployPhase = 'checkout' | 'install' | 'build' | 'start' | 'health' | 'deploy' | 'destroy' | 'rollback';

/**
 * Why a deploy failed. `aborted` is the caller's signal, `timeout` a command or health wait that
 * ran out of time. `tail` holds the last lines of output, also at the end of the message.
 */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly phase: DeployPhase,
    readonly reason: 'failed' | 'timeout' | 'aborted',
    readonly tail: readonly string[] = [],
  ) {
    super(tail.length > 0 ? `${message}\nlast lines of output:\n${tail.join('\n')}` : message);
    this.name = 'DeployError';
  }
}
