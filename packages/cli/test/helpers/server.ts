// A real `trunkflow serve` child process on a free port with a temporary data folder, and an async CLI runner.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, type CliRun } from './temp-repo.js';

export interface RunningServer {
  url: string;
  port: number;
  /** The token printed on first start, or null. */
  adminToken: string | null;
  child: ChildProcess;
  /** Everything the server printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  dataDir: string;
  /** Defaults to 0: the OS picks a free port. */
  port?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}

const LISTENING = /Trunkflow listening on (http:\/\/localhost:(\d+))\n/;
const ADMIN_TOKEN = /first start: admin token (\S+)/;

export function baseEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, LANG: 'C', LOG_LEVEL: 'warn' };
}

export function startServer(options: StartOptions): Promise<RunningServer> {
  const args = [
    CLI_BIN,
    'serve',
    '--port',
    options.port ?? '0',
    '--data-dir',
    options.dataDir,
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...baseEnv(tmpdir()), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trunkflow serve did not start within 20 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 20_000);
    const onData = () => {
      const match = LISTENING.exec(stdout);
      if (!match?.[1] || !match[2]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        url: match[1],
        port: Number(match[2]),
        adminToken: ADMIN_TOKEN.exec(stdout)?.[1] ?? null,
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`trunkflow serve exited with ${code} before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

/** Runs a program without blocking the event loop, so an in-test server keeps answering. */
function runAsync(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? tmpdir(),
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs the built CLI without blocking the event loop. */
export function runCliAsync(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<CliRun> {
  return runAsync(process.execPath, [CLI_BIN, ...args], options);
}

/** The real git client over HTTP, with the token as the basic-auth password; rejects on failure. */
export async function gitWithToken(options: {
  home: string;
  token: string;
  cwd: string;
  args: string[];
  author: { name: string; email: string };
}): Promise<string> {
  const basic = Buffer.from(`x:${options.token}`).toString('base64');
  const { name, email } = options.author;
  const run = await runAsync(
    'git',
    ['-c', 'credential.helper=', '-c', `http.extraHeader=Authorization: Basic ${basic}`, ...options.args],
    {
      cwd: options.cwd,
      env: {
        ...baseEnv(options.home),
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
      },
    },
  );
  if (run.status !== 0) throw new Error(`git ${options.args.join(' ')} exited ${run.status}:\n${run.stderr}`);
  return run.stdout;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Temporary folders removed together at the end of a test file. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `trunkflow-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
