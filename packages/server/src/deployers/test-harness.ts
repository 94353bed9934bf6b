// Test helpers for the deployers: real bare repositories, a stand-in server with the proxy, HTTP on loopback, bounded waits.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { runGit } from '@trunkflow/git';
import { systemClock } from '../platform/clock.js';
import { baseEnvFrom } from './child-env.js';
import { createDeployers, type Deployers } from './index.js';
import type { ProcessTiming } from './process-deployer.js';
import { createProxy, type EnvironmentProxy, type ProxyMode } from './proxy.js';
import type { AppEvent } from './supervised-app.js';
import type { LogSink, LogStream } from './types.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

/** A work repository pushed to a bare one, as a project's hosted repository would be. */
export interface TestRepo {
  bare: string;
  work: string;
  /** Writes the files, commits everything, pushes to the bare repository; returns the sha. */
  commit(files: Record<string, string>, message: string): Promise<string>;
}

export async function createTestRepo(
  root: string,
  seed: { copyFrom?: string; files?: Record<string, string> },
): Promise<TestRepo> {
  const bare = join(root, 'repo.git');
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  await runGit(['init', '--bare', '--quiet', '--initial-branch=main', bare], { cwd: root });
  await runGit(['init', '--quiet', '--initial-branch=main'], { cwd: work });
  if (seed.copyFrom !== undefined) {
    const skip = new Set(['node_modules', 'dist', 'coverage']);
    await cp(seed.copyFrom, work, {
      recursive: true,
      filter: (source) => !skip.has(source.slice(source.lastIndexOf('/') + 1)),
    });
  }
  const commit = async (files: Record<string, string>, message: string) => {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await runGit(['add', '-A'], { cwd: work, env: gitEnv });
    await runGit(['commit', '--quiet', '--allow-empty', '-m', message], { cwd: work, env: gitEnv });
    await runGit(['push', '--quiet', bare, 'HEAD:refs/heads/main'], { cwd: work, env: gitEnv });
    return (await runGit(['rev-parse', 'HEAD'], { cwd: work })).trim();
  };
  return { bare, work, commit: (files, message) => commit(files, message) };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET on loopback with the given Host header; a fresh connection, bounded. */
export function httpGet(port: number, path: string, host?: string, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, headers: host ? { host } : {}, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until the check returns a value other than undefined; fails with `what` when time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface LogLine {
  stream: LogStream;
  line: string;
  at: Date;
}

export function collectingSink(): { sink: LogSink; lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  return {
    lines,
    sink: (stream, line, at) => lines.push({ stream, line, at }),
    text: () => lines.map((entry) => `[${entry.stream}] ${entry.line}`).join('\n'),
  };
}

/** A stand-in for the Trunkflow server: an HTTP server with the proxy installed, and the deployers over one data dir. */
export interface TestServer {
  port: number;
  proxy: EnvironmentProxy;
  deployers: Deployers;
  events: { environment: string; event: AppEvent }[];
  appLines: LogLine[];
  /** Stops the server and the deployers' watching; apps keep running, as after a server stop. */
  stop(): Promise<void>;
}

export const FAST_TIMING: Partial<ProcessTiming> = {
  restartBackoffMs: 100,
  maxRestartBackoffMs: 1000,
  stopGraceMs: 5000,
  switchDrainMs: 200,
  livenessPollMs: 100,
  outputPollMs: 50,
  commandGraceMs: 2000,
};

export async function startTestServer(
  dataDir: string,
  options: { mode?: ProxyMode; timing?: Partial<ProcessTiming> } = {},
): Promise<TestServer> {
  let port = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('the API\n');
  });
  const proxy = createProxy({ mode: options.mode ?? 'host', serverPort: () => port, dataDir });
  proxy.install(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
  const events: TestServer['events'] = [];
  const appLines: LogLine[] = [];
  const deployers = createDeployers({
    dataDir,
    proxy,
    baseEnv: baseEnvFrom(process.env),
    clock: systemClock,
    timing: { ...FAST_TIMING, ...options.timing },
    onAppEvent: (environment, event) => events.push({ environment: JSON.stringify(environment), event }),
    onAppOutput: (_environment, stream, line, at) => appLines.push({ stream, line, at }),
  });
  return {
    port,
    proxy,
    deployers,
    events,
    appLines,
    async stop() {
      await deployers.close();
      await proxy.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
