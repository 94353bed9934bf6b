// Deployers and the environment proxy, built together for the composition root: createDeployers(...) and createProxy(...).
import type { Clock } from '../platform/clock.js';
import type { BaseEnv } from './child-env.js';
import { CommandDeployer } from './command-deployer.js';
import type { EnvironmentRef } from './environment.js';
import { type AdoptionReport, type AdoptOptions, ProcessDeployer, type ProcessTiming } from './process-deployer.js';
import type { EnvironmentProxy } from './proxy.js';
import { type RecentLine, RecentOutput } from './recent-output.js';
import type { AppEvent } from './supervised-app.js';
import type { Deployer, DeployerKind, EnvironmentStatus, LogStream } from './types.js';

export { type BaseEnv, baseEnvFrom } from './child-env.js';
export { CommandDeployer, urlFromLine } from './command-deployer.js';
export {
  checkEnvironment,
  describeEnvironment,
  type EnvironmentRef,
  environmentHost,
  environmentKey,
  environmentOfHost,
} from './environment.js';
export {
  type AdoptionReport,
  type AdoptOptions,
  DEFAULT_PROCESS_TIMING,
  ProcessDeployer,
  type ProcessTiming,
  type RollbackOptions,
} from './process-deployer.js';
export { createProxy, type EnvironmentProxy, notDeployedText, type ProxyMode, type ProxyOptions } from './proxy.js';
export { DEFAULT_RECENT_OUTPUT, type RecentLine, RecentOutput, type RecentOutputOptions } from './recent-output.js';
export type { AppEvent } from './supervised-app.js';
export * from './types.js';

export interface DeployersOptions {
  /** The server's data directory: trees, output files and records live under `<dataDir>/deploys`. */
  dataDir: string;
  proxy: EnvironmentProxy;
  /** What deployed commands inherit from the server: `baseEnvFrom(process.env)`, picked in config. */
  baseEnv: BaseEnv;
  clock: Clock;
  timing?: Partial<ProcessTiming>;
  onAppOutput?: (environment: EnvironmentRef, stream: LogStream, line: string, at: Date) => void;
  onAppEvent?: (environment: EnvironmentRef, event: AppEvent) => void;
}

export interface Deployers {
  process: ProcessDeployer;
  command: CommandDeployer;
  /** The deployer trunkflow.yml names for an environment. */
  get(kind: DeployerKind): Deployer;
  /** Every deployed environment, of both kinds. */
  list(): Promise<EnvironmentStatus[]>;
  /**
   * Production's app output read at or after `since` (the `logs` check counts its error lines);
   * null when no app of the `process` deployer runs it here, so there is no output to read.
   */
  recentOutput(environment: EnvironmentRef, since: number): Promise<RecentLine[] | null>;
  /** On start, before serving: keeps the apps a previous server left running, restarts the others. */
  adopt(options?: AdoptOptions): Promise<AdoptionReport[]>;
  /** On stop: stops watching the apps and leaves them running for the next start to adopt. */
  close(): Promise<void>;
}

export function createDeployers(options: DeployersOptions): Deployers {
  // Only production's: the logs check watches production, and previews come and go by the hundred.
  const recent = new RecentOutput();
  const processDeployer = new ProcessDeployer({
    ...options,
    onAppOutput: (environment, stream, line, at) => {
      if (environment.environment === 'production') recent.push(environment, stream, line, at);
      options.onAppOutput?.(environment, stream, line, at);
    },
  });
  const command = new CommandDeployer({
    dataDir: options.dataDir,
    baseEnv: options.baseEnv,
    clock: options.clock,
    ...(options.timing?.commandGraceMs !== undefined ? { commandGraceMs: options.timing.commandGraceMs } : {}),
  });
  return {
    process: processDeployer,
    command,
    get: (kind) => (kind === 'process' ? processDeployer : command),
    async list() {
      const [processes, commands] = await Promise.all([processDeployer.list(), command.list()]);
      return [...processes, ...commands];
    },
    async recentOutput(environment, since) {
      const status = await processDeployer.status(environment);
      if (status === null || status.port === undefined) return null;
      return recent.since(environment, since);
    },
    adopt: (adoptOptions) => processDeployer.adopt(adoptOptions),
    close: () => processDeployer.close(),
  };
}
