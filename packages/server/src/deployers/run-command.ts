// Runs one command to its end in its own process group, with a timeout and an abort signal, line by line into a sink.
import type { Clock } from '../platform/clock.js';
import { maskedSink, type SecretMask, streamSplitters, Tail } from './output-lines.js';
import { spawnGroup, stopGroup } from './process-group.js';
import { DeployError, type DeployPhase, type LogSink } from './types.js';

export interface RunCommandOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  sink: LogSink;
  clock: Clock;
  /** How long the group gets between SIGTERM and SIGKILL when it must stop. */
  graceMs: number;
  /** The command's process group, once it runs. */
  onSpawn?: ((pid: number) => void) | undefined;
}

export type CommandOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'not-started'; message: string };

/** Never rejects: the caller turns each outcome into its own message. */
export function runCommand(options: RunCommandOptions): Promise<CommandOutcome> {
  if (options.signal?.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawnGroup>;
    try {
      child = spawnGroup(options.argv, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    } catch (error) {
      resolve({ kind: 'not-started', message: (error as Error).message });
      return;
    }
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const lines = streamSplitters(options.sink, options.clock);
    child.stdout?.on('data', (chunk: Buffer) => lines.stdout.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => lines.stderr.write(chunk));
    let stopping: 'timeout' | 'aborted' | null = null;
    const stop = (why: 'timeout' | 'aborted') => {
      if (stopping !== null || child.pid === undefined) return;
      stopping = why;
      void stopGroup(child.pid, options.graceMs);
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: CommandOutcome) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // ENOENT and EACCES come here, before any 'close'; a spawned child's later errors do not.
      if (child.pid === undefined) {
        const program = options.argv[0] ?? '';
        const message =
          error.code === 'ENOENT'
            ? `\`${program}\` was not found on PATH or in the tree: install it, or fix the command`
            : `could not start \`${program}\`: ${error.message}`;
        finish({ kind: 'not-started', message });
      }
    });
    child.on('close', (code, signal) => {
      lines.end();
      if (stopping !== null) finish({ kind: stopping });
      else finish({ kind: 'exited', code, signal });
    });
  });
}

/** The words for a command that did not succeed, without the tail. */
export function describeOutcome(label: string, outcome: CommandOutcome, timeoutMs: number): string {
  switch (outcome.kind) {
    case 'exited':
      return outcome.signal !== null
        ? `${label} was killed by ${outcome.signal}`
        : `${label} exited with code ${outcome.code ?? 'unknown'}`;
    case 'timeout':
      return `${label} ran longer than its timeout (${Math.round(timeoutMs / 1000)} s) and was stopped: make it faster, or raise \`timeout\` in trunkflow.yml`;
    case 'aborted':
      return `${label} was canceled`;
    case 'not-started':
      return `${label} could not start: ${outcome.message}`;
  }
}

export interface PhaseOptions {
  phase: DeployPhase;
  argv: readonly string[] | null | undefined;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  log: LogSink;
  mask: SecretMask;
  clock: Clock;
  graceMs: number;
  /** Sees every (masked) output line, e.g. to find `TRUNKFLOW_URL=`. */
  onLine?: (line: string) => void;
  onSpawn?: (pid: number) => void;
}

/** Runs one step of a deploy (install, build, deploy…); a null command is skipped. Throws a DeployError with the step's last lines. */
export async function runPhase(options: PhaseOptions): Promise<void> {
  const system = (line: string) => options.log('system', options.mask.apply(line), options.clock.now());
  if (options.argv === null || options.argv === undefined || options.argv.length === 0) {
    system(`${options.phase}: none configured, skipped`);
    return;
  }
  const shown = options.argv.join(' ');
  system(`${options.phase}: ${shown}`);
  const tail = new Tail();
  const masked = maskedSink(options.log, options.mask, tail);
  const outcome = await runCommand({
    argv: options.argv,
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    sink: (stream, line, at) => {
      masked(stream, line, at);
      options.onLine?.(options.mask.apply(line));
    },
    clock: options.clock,
    graceMs: options.graceMs,
    onSpawn: options.onSpawn,
  });
  if (outcome.kind === 'exited' && outcome.code === 0) return;
  const reason = outcome.kind === 'timeout' ? 'timeout' : outcome.kind === 'aborted' ? 'aborted' : 'failed';
  throw new DeployError(
    describeOutcome(`${options.phase} (${shown})`, outcome, options.timeoutMs),
    options.phase,
    reason,
    tail.get(),
  );
}
