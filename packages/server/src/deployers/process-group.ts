// Spawning a command as the leader of its own process group, and stopping the whole group.
import { type ChildProcess, spawn } from 'node:child_process';
import { readlink, realpath, stat } from 'node:fs/promises';

export interface SpawnGroupOptions {
  cwd: string;
  env: Record<string, string>;
  /** Where stdout and stderr go: pipes, or file descriptors the child keeps when the server goes away. */
  stdio: 'pipe' | { stdout: number; stderr: number };
}

/**
 * Detached, so the command and everything it starts (npm, then node) share a group that one
 * signal reaches; never through a shell, so no argument is ever interpreted.
 */
export function spawnGroup(argv: readonly string[], options: SpawnGroupOptions): ChildProcess {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('empty command');
  return spawn(program, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio:
      options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : ['ignore', options.stdio.stdout, options.stdio.stderr],
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/** True while the process exists (it may be any process, if the pid was reused). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM to the group, then SIGKILL once `graceMs` has passed with any member still alive.
 * Resolves when the group is gone, or (bounded) shortly after the SIGKILL.
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const step = 25;
  for (let waited = 0; waited < graceMs; waited += step) {
    if (!groupAlive(pgid)) return;
    await sleep(step);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let waited = 0; waited < 2000; waited += step) {
    if (!groupAlive(pgid)) return;
    await sleep(step);
  }
}

/**
 * Whether the process runs in `dir` (Linux's /proc tells): a recorded pid may belong to another
 * program after a reboot, and its group must not be signalled then. Null where /proc is not there.
 */
export async function processRunsIn(pid: number, dir: string): Promise<boolean | null> {
  try {
    await stat('/proc/self/cwd');
  } catch {
    return null;
  }
  try {
    const cwd = await readlink(`/proc/${pid}/cwd`);
    const real = await realpath(dir).catch(() => dir);
    return cwd === real || cwd.startsWith(`${real}/`);
  } catch {
    return false;
  }
}
