// The built server as a child process, as `trunkflow serve` runs it, for tests that kill -9 it and start it again.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ADMIN_TOKEN, apiClient, type TestServer } from './server.js';

const serverRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoRoot = resolve(serverRoot, '../..');

// The child: the whole server as `trunkflow serve` builds it, printing its URL once it listens.
const CHILD = `
const server = await import(${JSON.stringify(pathToFileURL(join(serverRoot, 'dist', 'index.js')).href)});
const config = server.loadServerConfig({ port: '0' }, process.env, process.cwd());
const trunkflow = await server.createTrunkflow({ config });
const url = await trunkflow.listen();
process.stdout.write(JSON.stringify({ url }) + '\\n');
process.on('SIGTERM', () => trunkflow.close().then(() => process.exit(0)));
`;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  exited: Promise<ChildExit>;
  api: TestServer['api'];
}

/** The child runs the compiled server, so compile first (a no-op when dist is current). */
export function buildServer(): Promise<void> {
  return new Promise<void>((done, fail) => {
    const tsc = spawn(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', serverRoot], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    tsc.on('error', fail);
    tsc.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsc -b failed with ${code}`))));
  });
}

/**
 * Starts built servers from `scratch` (where the child script is written) and keeps every one it
 * started, so `killAll` in afterAll stops them even when a test failed half-way.
 */
export class ChildServers {
  private readonly running = new Map<ChildProcess, Promise<ChildExit>>();
  private readonly script: string;

  constructor(private readonly scratch: string) {
    this.script = join(scratch, 'server.mjs');
  }

  async start(env: Record<string, string>): Promise<ChildServer> {
    await writeFile(this.script, CHILD);
    const child = spawn(process.execPath, [this.script], {
      cwd: this.scratch,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    const exited = new Promise<ChildExit>((done) =>
      child.on('close', (code, signal) => done({ code, signal, stderr })),
    );
    this.running.set(child, exited);
    void exited.then(() => this.running.delete(child));
    const url = await new Promise<string>((done, fail) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) done((JSON.parse(line) as { url: string }).url);
      });
      void exited.then((end) => fail(new Error(`the server exited before listening: ${JSON.stringify(end)}`)));
    });
    return { url, child, exited, api: apiClient(url) };
  }

  /** kill -9, and waits for the process to be gone. */
  async kill(server: ChildServer): Promise<ChildExit> {
    server.child.kill('SIGKILL');
    return server.exited;
  }

  /** A clean stop (SIGTERM), as `trunkflow serve` gets from a service manager. */
  async stop(server: ChildServer): Promise<ChildExit> {
    server.child.kill('SIGTERM');
    return server.exited;
  }

  /** Every server still running: SIGKILL (a test that failed may have left one in any state). */
  async killAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(([child, exited]) => {
        child.kill('SIGKILL');
        return exited;
      }),
    );
  }
}
