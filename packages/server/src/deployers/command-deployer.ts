// The `command` deployer: your own deploy command (carlin, vercel, kubectl…) run in a checkout, its URL read from its output.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.js';
import { type BaseEnv, childEnv } from './child-env.js';
import { describeEnvironment, type EnvironmentRef, environmentKey } from './environment.js';
import { KeyedLock } from './keyed-lock.js';
import { SecretMask } from './output-lines.js';
import { runPhase } from './run-command.js';
import { type CommandState, StateStore } from './state-store.js';
import {
  DeployError,
  type Deployer,
  type DeployRequest,
  type DeployResult,
  type DestroyOptions,
  type EnvironmentStatus,
} from './types.js';
import { addWorktree, removeWorktree, requireFullSha } from './worktree.js';

export interface CommandDeployerOptions {
  dataDir: string;
  baseEnv: BaseEnv;
  clock: Clock;
  /** Between SIGTERM and SIGKILL for a command that must stop. */
  commandGraceMs?: number;
}

/** The line a deploy command prints to say where it deployed; the last one printed wins. */
const URL_LINE = /^\s*TRUNKFLOW_URL=(\S+)\s*$/;

/** The address in a `TRUNKFLOW_URL=` line, or null when the line is not one or holds no http(s) URL. */
export function urlFromLine(line: string): string | null {
  const match = URL_LINE.exec(line);
  if (!match?.[1]) return null;
  try {
    const url = new URL(match[1]);
    return url.protocol === 'http:' || url.protocol === 'https:' ? match[1] : null;
  } catch {
    return null;
  }
}

export class CommandDeployer implements Deployer {
  readonly kind = 'command' as const;
  readonly store: StateStore;
  private readonly operations = new KeyedLock();
  private readonly graceMs: number;

  constructor(private readonly options: CommandDeployerOptions) {
    this.store = new StateStore(options.dataDir);
    this.graceMs = options.commandGraceMs ?? 5000;
  }

  async deploy(request: DeployRequest): Promise<DeployResult> {
    requireFullSha(request.sha);
    const deploy = request.commands.deploy;
    if (deploy === undefined || deploy === null || deploy.length === 0) {
      throw new DeployError(
        '`deployer: command` needs a `deploy` command that prints TRUNKFLOW_URL=<url>: set e.g. `deploy: npx carlin deploy`',
        'deploy',
        'failed',
      );
    }
    return this.operations.run(environmentKey(request.environment), () => this.deployNow(request, deploy));
  }

  /** Runs the configured destroy command (if any) in a checkout of the deployed sha, then forgets the deploy. */
  destroy(environment: EnvironmentRef, options: DestroyOptions = {}): Promise<void> {
    return this.operations.run(environmentKey(environment), () => this.destroyNow(environment, options));
  }

  async status(environment: EnvironmentRef): Promise<EnvironmentStatus | null> {
    const record = await this.store.read(environment);
    return record?.kind === 'command' ? statusOf(record) : null;
  }

  async list(): Promise<EnvironmentStatus[]> {
    const records = await this.store.all();
    return records.flatMap((record) => (record.kind === 'command' ? [statusOf(record)] : []));
  }

  private async deployNow(request: DeployRequest, deploy: readonly string[]): Promise<DeployResult> {
    const ref = request.environment;
    const mask = new SecretMask(request.secrets);
    const tree =
      request.prepared?.tree ??
      join(this.store.dirOf(ref), `${request.sha.slice(0, 12)}-${randomBytes(3).toString('hex')}`);
    const env = childEnv(this.options.baseEnv, request.variables, request.secrets, {
      TRUNKFLOW_SHA: request.sha,
      TRUNKFLOW_ENV: ref.environment,
      TRUNKFLOW_PR: ref.environment === 'preview' ? String(ref.pr) : null,
      TRUNKFLOW_REF: request.ref,
      TRUNKFLOW_VERSION: request.version,
    });
    const phase = { cwd: tree, env, signal: request.signal, log: request.log, mask, clock: this.options.clock };
    try {
      if (request.prepared) {
        request.log('system', `deploying the tree the pipeline prepared: ${tree}`, this.options.clock.now());
      } else {
        request.log('system', `checking out ${request.sha} into ${tree}`, this.options.clock.now());
        try {
          await addWorktree(request.repoPath, tree, request.sha);
        } catch (error) {
          throw new DeployError(
            `could not check out ${request.sha}: ${(error as Error).message}`,
            'checkout',
            'failed',
          );
        }
      }
      for (const step of request.prepared ? [] : (['install', 'build'] as const)) {
        await runPhase({
          ...phase,
          phase: step,
          argv: request.commands[step],
          timeoutMs: request.timeouts.commandMs,
          graceMs: this.graceMs,
        });
      }
      let url: string | null = null;
      let urlLines = 0;
      try {
        await runPhase({
          ...phase,
          phase: 'deploy',
          argv: deploy,
          timeoutMs: request.timeouts.commandMs,
          graceMs: this.graceMs,
          onLine: (line) => {
            const found = urlFromLine(line);
            if (found !== null) {
              url = found;
              urlLines += 1;
            }
          },
        });
      } catch (error) {
        if (error instanceof DeployError) throw error;
        throw new DeployError((error as Error).message, 'deploy', 'failed');
      }
      const deployed = url as string | null;
      if (deployed === null) {
        throw new DeployError(
          `the deploy command (${deploy.join(' ')}) succeeded but printed no line TRUNKFLOW_URL=<url>: make it print the deployed address, e.g. \`echo "TRUNKFLOW_URL=$url"\` in a script`,
          'deploy',
          'failed',
        );
      }
      if (urlLines > 1) {
        request.log('system', `several TRUNKFLOW_URL lines: the last, ${deployed}, is used`, this.options.clock.now());
      }
      await this.store.write(ref, {
        kind: 'command',
        environment: ref,
        url: deployed,
        sha: request.sha,
        version: request.version,
        ref: request.ref,
        repoPath: request.repoPath,
        variables: { ...request.variables },
        deployedAt: this.options.clock.now().toISOString(),
      });
      request.log('system', `deployed ${describeEnvironment(ref)} at ${deployed}`, this.options.clock.now());
      return { url: deployed, sha: request.sha, version: request.version };
    } finally {
      // Nothing runs from the tree once the command is done: the deploy lives wherever it sent it.
      await removeWorktree(request.repoPath, tree);
    }
  }

  private async destroyNow(ref: EnvironmentRef, options: DestroyOptions): Promise<void> {
    const record = await this.store.read(ref);
    if (record?.kind !== 'command') {
      if (record === null) return;
      throw new DeployError(
        `${describeEnvironment(ref)} was deployed by the process deployer: destroy it there`,
        'destroy',
        'failed',
      );
    }
    const log = options.log ?? (() => undefined);
    const command = options.command;
    if (command !== undefined && command !== null && command.length > 0) {
      const secrets = options.secrets ?? {};
      const tree = join(this.store.dirOf(ref), `destroy-${randomBytes(3).toString('hex')}`);
      try {
        await addWorktree(record.repoPath, tree, record.sha).catch((error: Error) => {
          throw new DeployError(
            `could not check out ${record.sha} to destroy it: ${error.message}`,
            'checkout',
            'failed',
          );
        });
        await runPhase({
          phase: 'destroy',
          argv: command,
          cwd: tree,
          env: childEnv(this.options.baseEnv, options.variables ?? record.variables, secrets, {
            TRUNKFLOW_SHA: record.sha,
            TRUNKFLOW_ENV: ref.environment,
            TRUNKFLOW_PR: ref.environment === 'preview' ? String(ref.pr) : null,
            TRUNKFLOW_REF: record.ref,
            TRUNKFLOW_VERSION: record.version,
            TRUNKFLOW_URL: record.url,
          }),
          timeoutMs: options.timeoutMs ?? 600_000,
          signal: options.signal,
          log,
          mask: new SecretMask(secrets),
          clock: this.options.clock,
          graceMs: this.graceMs,
        });
      } finally {
        await removeWorktree(record.repoPath, tree);
      }
    } else {
      log('system', 'no destroy command configured: only Trunkflow’s record is removed', this.options.clock.now());
    }
    await this.store.remove(ref);
  }
}

function statusOf(record: CommandState): EnvironmentStatus {
  return {
    environment: record.environment,
    kind: 'command',
    state: 'deployed',
    url: record.url,
    sha: record.sha,
    version: record.version,
    deployedAt: new Date(record.deployedAt),
  };
}
