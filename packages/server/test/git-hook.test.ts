// The pre-receive hook wherever the data directory is (inside a "type": "module" package, under a path
// with spaces, run by a node binary whose path has spaces), and what happens when it breaks: the
// pusher is told what to do and the server logs it with the hook's stderr. Real git over HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HookUnusableError } from '../src/features/git/hook-files.js';
import {
  HOOK_SELF_TEST_OUTPUT,
  PRE_RECEIVE_HOOK_LAUNCHER,
  PRE_RECEIVE_HOOK_SOURCE,
} from '../src/features/git/pre-receive-hook.js';
import { hostingServices } from './helpers/hosting.js';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger whose JSON lines the test can read. */
function captureLogs(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const NEVER_CALLED = 'a push ended without the pre-receive hook calling the server';

/** A fresh working copy with one commit, pushed to `ref` of `project`; the client is removed after. */
async function pushCommit(url: string, project: string, ref: string) {
  const client = new GitClient();
  try {
    await client.git('init', '-q', '-b', 'main', '.');
    writeFileSync(join(client.dir, 'README.md'), `# ${project}\n`);
    await client.git('add', '.');
    await client.git('commit', '-qm', 'chore: initial commit');
    const remote = authedGitUrl(url, project, ADMIN_TOKEN);
    const push = await client.run(['push', remote, `HEAD:${ref}`]);
    const head = (await client.git('rev-parse', 'HEAD')).trim();
    const landed = (await client.git('ls-remote', remote, ref)).split('\t')[0] ?? '';
    return { push, head, landed };
  } finally {
    client.remove();
  }
}

describe.each(testDatabases())('the pre-receive hook on $name', (kind) => {
  let outer: string;
  let server: TestServer;
  const logs = captureLogs();

  beforeAll(async () => {
    // Like the default `.trunkflow/` inside the Trunkflow checkout, whose package.json says "module".
    outer = mkdtempSync(join(tmpdir(), 'trunkflow hook '));
    const pkg = join(outer, 'an esm package');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm', type: 'module' }));
    server = await startServer(kind, { dataDir: join(pkg, 'data dir', '.trunkflow'), logger: logs.logger });
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(outer, { recursive: true, force: true });
  });

  it('accepts a push when the data directory lies inside a "type": "module" package, under a path with spaces', async () => {
    const { push, head, landed } = await pushCommit(server.url, 'shop', 'main');
    expect(push.stderr).not.toContain('require is not defined');
    expect(push.status).toBe(0);
    expect(landed).toBe(head);
    expect(logs.lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('runs under a node binary whose path has spaces', () => {
    const bin = join(outer, 'node binaries', 'node 20');
    mkdirSync(join(outer, 'node binaries'));
    try {
      linkSync(process.execPath, bin);
    } catch {
      copyFileSync(process.execPath, bin);
    }
    const result = spawnSync(join(server.dataDir, 'hooks', 'pre-receive'), [], {
      env: { PATH: '/usr/bin:/bin', TRUNKFLOW_NODE: bin, TRUNKFLOW_HOOK_SELF_TEST: '1' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(HOOK_SELF_TEST_OUTPUT);
    expect(result.status).toBe(0);
  });

  it('needs nothing but Node built-ins and /bin/sh, so a read-only or absent node_modules does not matter', () => {
    const required = [...PRE_RECEIVE_HOOK_SOURCE.matchAll(/require\(([^)]*)\)/g)].map((match) => match[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(name).toMatch(/^'node:[a-z_]+'$/);
    expect(PRE_RECEIVE_HOOK_SOURCE).not.toMatch(/\bimport\b/);
    expect(PRE_RECEIVE_HOOK_LAUNCHER.split('\n')[0]).toBe('#!/bin/sh');
  });

  it('shows the pusher the stack to pass on when the server answers garbage and cannot take the report', async () => {
    const garbage = createServer((_request, response) => response.end('<html>a proxy error page</html>'));
    await new Promise<void>((done) => garbage.listen(0, '127.0.0.1', done));
    const address = garbage.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const result = await new Promise<{ status: number | null; stderr: string }>((done, fail) => {
        const child = spawn(join(server.dataDir, 'hooks', 'pre-receive'), [], {
          env: {
            PATH: '/usr/bin:/bin',
            TRUNKFLOW_NODE: process.execPath,
            TRUNKFLOW_HOOK_URL: `http://127.0.0.1:${port}/internal/git/pre-receive`,
            TRUNKFLOW_HOOK_CRASH_URL: `http://127.0.0.1:${port}/internal/git/hook-crash`,
            TRUNKFLOW_HOOK_TOKEN: 'a-session',
          },
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('error', fail);
        child.on('close', (status) => done({ status, stderr }));
        child.stdin.end(`${'0'.repeat(40)} ${'1'.repeat(40)} refs/heads/main\n`);
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        'trunkflow: the push check crashed (the server answered HTTP 200 with something that is not JSON: "<html>a proxy error page</html>"); your push was not applied; the server could not be told, so tell your Trunkflow admin and show them this:',
      );
      expect(result.stderr).toContain('pre-receive.cjs:');
      expect(result.stderr).not.toContain('the push check could not run');
    } finally {
      await new Promise((done) => garbage.close(done));
    }
  });

  it('tells the pusher what to do when the hook crashes, and logs the crash with its stderr', async () => {
    const crashLogs = captureLogs();
    const faulty = await startServer(kind, {
      logger: crashLogs.logger,
      env: { TRUNKFLOW_FAULTS: 'git.hook-bad-answer' },
    });
    try {
      expect((await faulty.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
      const { push, landed } = await pushCommit(faulty.url, 'shop', 'main');
      expect(push.status).not.toBe(0);
      expect(push.stderr).toContain(
        'trunkflow: the push check crashed (the server answered HTTP 403 with something that is not a push-check answer',
      );
      expect(push.stderr).toContain(
        'your push was not applied; the server log has the details — tell your Trunkflow admin',
      );
      expect(landed).toBe('');
      const crash = crashLogs.lines.find((line) => line.msg === 'the pre-receive hook crashed; the push was refused');
      expect(crash).toMatchObject({ level: 50, project: 'shop', pusher: 'admin' });
      expect(crash?.hookError).toContain('not a push-check answer');
      expect(crash?.hookError).toContain('pre-receive.cjs');
      expect(crash?.stderr).toContain('trunkflow: the push check crashed');
      expect(crashLogs.lines.some((line) => line.msg.startsWith(NEVER_CALLED))).toBe(false);
    } finally {
      await faulty.stop();
    }
  });

  it('logs an error with the hook stderr when a push ends without the hook reaching the server', async () => {
    const script = join(server.dataDir, 'hooks', 'pre-receive.cjs');
    writeFileSync(script, "throw new Error('broken on purpose');\n");
    try {
      const { push, landed } = await pushCommit(server.url, 'shop', 'feature/TF-1-broken');
      expect(push.status).not.toBe(0);
      expect(push.stderr).toContain(
        'trunkflow: the push check could not run (exit 1); your push was not applied; the server log has the details — tell your Trunkflow admin',
      );
      expect(landed).toBe('');
      // The server notices after git exits, which can be after the client has its answer.
      const logged = await vi.waitFor(
        () => {
          const line = logs.lines.find((entry) => entry.msg.startsWith(NEVER_CALLED));
          if (!line) throw new Error('not logged yet');
          return line;
        },
        { timeout: 15_000 },
      );
      expect(logged).toMatchObject({ level: 50, project: 'shop', pusher: 'admin' });
      expect(logged.msg).toContain('the hook cannot run');
      expect(logged.stderr).toContain('broken on purpose');
    } finally {
      writeFileSync(script, PRE_RECEIVE_HOOK_SOURCE);
    }
    const again = await pushCommit(server.url, 'shop', 'feature/TF-2-fixed');
    expect(again.push.status).toBe(0);
  });

  it('refuses to start when the written hook cannot run, saying why', async () => {
    const database = await kind.open();
    const startLogs = captureLogs();
    try {
      const { git } = hostingServices(database, startLogs.logger);
      await git.hook.install();
      await expect(git.hook.assertRuns()).resolves.toBeUndefined();
      writeFileSync(join(database.dataDir, 'hooks', 'pre-receive.cjs'), 'this is not javascript(\n');
      const refused = git.hook.assertRuns();
      await expect(refused).rejects.toBeInstanceOf(HookUnusableError);
      await expect(refused).rejects.toThrow(
        /the pre-receive hook cannot run, so no push could be accepted: .*SyntaxError/,
      );
      expect(startLogs.lines.find((line) => line.msg === 'the pre-receive hook cannot run')).toMatchObject({
        level: 50,
        stderr: expect.stringContaining('SyntaxError'),
      });
    } finally {
      await database.drop();
    }
  });
});
