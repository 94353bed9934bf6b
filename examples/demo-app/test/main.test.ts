// The built entry point as the deployer runs it: a real process, PORT, the BROKEN file in its directory, SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Child {
  process: ChildProcess;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
  /** Resolves with the first log line whose `msg` starts with `prefix`. */
  waitFor(prefix: string): Promise<Record<string, unknown>>;
}

const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

const run = (
  cwd: string,
  env: Record<string, string>,
  command: readonly string[] = [process.execPath, MAIN],
): Child => {
  // Only what the test sets reaches the app, so a TRUNKFLOW_ENV around `npm test` cannot change it.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(PORT|HOST|TRUNKFLOW_|DEMO_)/.test(key)),
  );
  const [file = process.execPath, ...args] = command;
  // A process group of its own, so cleanup can reach a node that a shell left behind.
  const child = spawn(file, args, { cwd, env: { ...inherited, ...env }, stdio: 'pipe', detached: true });
  const lines: Record<string, unknown>[] = [];
  const waiters: { prefix: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (text) => {
      const line = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { msg: text, raw: true };
      lines.push(line);
      for (const waiter of waiters.filter((w) => String(line.msg).startsWith(w.prefix))) waiter.resolve(line);
    });
  }
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exit,
    waitFor: (prefix) => {
      const seen = lines.find((line) => String(line.msg).startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ prefix, resolve })),
        exit.then((code) => {
          throw new Error(`exited ${code} before logging "${prefix}": ${JSON.stringify(lines)}`);
        }),
      ]);
    },
  };
};

const portOf = async (child: Child) => Number((await child.waitFor('listening on port')).port);

describe('npm start (dist/main.js)', () => {
  let dir = '';
  let child: Child | undefined;

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  });

  afterEach(async () => {
    const pid = child?.process.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // The whole group has exited already.
      }
      await child?.exit;
    }
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves on PORT with the TRUNKFLOW_* variables and exits 0 on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-main-'));
    child = run(dir, { PORT: '0', TRUNKFLOW_ENV: 'staging', TRUNKFLOW_SHA: 'cafe', TRUNKFLOW_VERSION: 'v0.0.1' });
    const port = await portOf(child);
    const version = await fetch(`http://127.0.0.1:${port}/version`);
    expect(await version.json()).toEqual({ sha: 'cafe', version: 'v0.0.1', env: 'staging' });
    child.process.kill('SIGTERM');
    expect(await child.exit).toBe(0);
    expect(child.lines.map((line) => line.msg)).toEqual([
      `listening on port ${port}`,
      'SIGTERM: shutting down',
      'stopped',
    ]);
  });

  it('stops when `npm start` gets SIGTERM, since the script execs node instead of leaving a shell between', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-main-'));
    // Under `npm test` npm says where its CLI is; run by hand, the `npm` on PATH is used.
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    child = run(APP_ROOT, { PORT: '0' }, [...npm, 'start', '--silent']);
    const port = await portOf(child);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await child.exit).toBe(0);
    expect(child.lines.map((line) => line.msg)).toContain('stopped');
  });

  it('breaks in production when BROKEN is in its directory, and still exits 0 on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-main-'));
    writeFileSync(join(dir, 'BROKEN'), '');
    child = run(dir, { PORT: '0', TRUNKFLOW_ENV: 'production', DEMO_BREAK_AFTER_MS: '30' });
    const port = await portOf(child);
    await child.waitFor('now broken on purpose');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(500);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('http_requests_total{method="GET",route="/healthz",status_code="500"} 1');
    child.process.kill('SIGTERM');
    expect(await child.exit).toBe(0);
  });

  it('says BROKEN is ignored in staging', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-main-'));
    writeFileSync(join(dir, 'BROKEN'), '');
    child = run(dir, { PORT: '0', TRUNKFLOW_ENV: 'staging' });
    await child.waitFor('BROKEN marker found, but TRUNKFLOW_ENV is staging: behaving');
    const port = await portOf(child);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('refuses a bad PORT with exit code 2 and a fix', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-main-'));
    child = run(dir, { PORT: 'eighty' });
    expect(await child.exit).toBe(2);
    expect(child.lines.map((line) => line.msg)).toEqual([
      'PORT=eighty is not a whole number from 0 to 65535: set it to e.g. 3000',
    ]);
  });
});
