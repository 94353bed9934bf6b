// Starts a real Trunkflow server in-process on a free loopback port, on SQLite or PostgreSQL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { type AppDependencies, createTrunkflow, type Trunkflow } from '../../src/app.js';
import { loadServerConfig } from '../../src/platform/config.js';
import { type TestDatabase, type TestDatabaseKind, testDatabases } from '../../src/platform/db/test-databases.js';

export const ADMIN_TOKEN = 'tf_test_admin_token_0123456789';

export interface TestServer {
  url: string;
  /** The server's data directory (repositories, hooks, the SQLite file). */
  dataDir: string;
  trunkflow: Trunkflow;
  database: TestDatabase;
  api<T = unknown>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
  createUser(name: string, role: string): Promise<string>;
  /**
   * Waits (bounded) until the PR's checks are no longer pending (they run as a job after the open,
   * push or edit that asked for them) and returns them.
   */
  checksDone<T = { status: string; sha: string; ok: boolean }>(project: string, number: number): Promise<T>;
  stop(): Promise<void>;
}

export { type TestDatabaseKind, testDatabases };

export interface StartOptions {
  /** The server's data directory; by default the test database's own temp folder. */
  dataDir?: string;
  logger?: Logger;
  /** More environment for the config, e.g. TRUNKFLOW_FAULTS. */
  env?: Record<string, string>;
  /** Event consumers, subscribed at composition time (before start-up appends any event). */
  subscribeConsumers?: AppDependencies['subscribeConsumers'];
  /** The server's clock; the system clock by default. */
  clock?: AppDependencies['clock'];
}

export async function startServer(kind: TestDatabaseKind, options: StartOptions = {}): Promise<TestServer> {
  // The schema is created by the server's own start-up migrations.
  const database = await kind.open({ migrate: false });
  const dataDir = options.dataDir ?? database.dataDir;
  const config = loadServerConfig(
    { port: '0', dataDir },
    {
      TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...options.env,
    },
    dataDir,
  );
  const trunkflow = await createTrunkflow({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.subscribeConsumers ? { subscribeConsumers: options.subscribeConsumers } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const url = await trunkflow.listen();
  const api = apiClient(url);
  return {
    url,
    dataDir,
    trunkflow,
    database,
    api,
    async createUser(name, role) {
      const created = await api<{ token: string }>('POST', '/api/admin/users', { body: { name, role } });
      if (created.status !== 201) throw new Error(`could not create ${name}: ${JSON.stringify(created.body)}`);
      return created.body.token;
    },
    async checksDone(project, number) {
      for (let attempt = 0; attempt < 600; attempt++) {
        const checks = await api<{ status: string }>('GET', `/api/projects/${project}/pulls/${number}/checks`);
        if (checks.status === 200 && checks.body.status !== 'pending') return checks.body as never;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the checks of ${project} #${number} were still pending after 30 s`);
    },
    async stop() {
      await trunkflow.close();
      await database.drop();
    },
  };
}

/** JSON requests to a server at `url`, with the admin token unless another is given. */
export function apiClient(url: string): TestServer['api'] {
  return async (method, path, options = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
  };
}

/** A git client working copy that talks to the server over HTTP with a token. */
export class GitClient {
  readonly dir: string;
  private readonly home: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'trunkflow-client-'));
    this.home = mkdtempSync(join(tmpdir(), 'trunkflow-client-home-'));
  }

  /** Async on purpose: the server runs in this same process, so a blocking spawn would deadlock it. */
  run(args: string[], cwd = this.dir): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: this.home,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: 'Tester',
          GIT_AUTHOR_EMAIL: 'tester@example.com',
          GIT_COMMITTER_NAME: 'Tester',
          GIT_COMMITTER_EMAIL: 'tester@example.com',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async git(...args: string[]): Promise<string> {
    const result = await this.run(args);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** `http://user:token@host/git/<project>.git`. */
export function authedGitUrl(serverUrl: string, project: string, token: string): string {
  const url = new URL(`${serverUrl}/git/${project}.git`);
  url.username = 'git';
  url.password = token;
  return url.toString();
}
