// Spawns the system git with an argument array (never a shell) and collects its output.
import { spawn } from 'node:child_process';

export class GitError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

export interface RunGitOptions {
  cwd: string;
  /** Written to git's standard input, then closed. */
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: readonly number[];
  env?: NodeJS.ProcessEnv;
}

export interface GitResult {
  stdout: Buffer;
  exitCode: number;
}

/** Runs `git <args>`; rejects with a GitError carrying git's own message on failure. */
export function runGitRaw(args: readonly string[], options: RunGitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      reject(new GitError(`could not run git: ${error.message}; install git and put it on PATH`, args, null, ''));
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) {
        resolve({ stdout: Buffer.concat(out), exitCode });
      } else {
        const firstLine = stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${exitCode}`;
        reject(new GitError(`git ${args[0] ?? ''} failed: ${firstLine}`, args, exitCode, stderr));
      }
    });
    child.stdin.on('error', () => {
      // git may exit before reading all input (e.g. on a bad object); the close handler reports it.
    });
    child.stdin.end(options.input ?? '');
  });
}

export async function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  return (await runGitRaw(args, options)).stdout.toString('utf8');
}
