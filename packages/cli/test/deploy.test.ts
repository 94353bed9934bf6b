// `trunkflow deploy|rollback|promote|abort` and `releases list` against a real server, git client, deployer and proxy.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, gitWithToken, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const ADMIN_TOKEN = 'deploy-test-admin-token-0123456789';
const PROJECT = 'tiny';
/** Every wait on the pipeline gives up after this long, with what it saw last. */
const WAIT_MS = 30_000;
const RUN_ID = /queued run ([0-9a-f-]{36}): /;

/**
 * The app: /healthz, and /version from what the deployer sets. Deployed apps outlive a stopped
 * server (a restarted one adopts them), so this one ends once the server that started it is gone.
 */
const SERVER_JS = `const http = require('node:http');
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 200).unref();
const version = { sha: process.env.TRUNKFLOW_SHA, version: process.env.TRUNKFLOW_VERSION ?? null, env: process.env.TRUNKFLOW_ENV };
http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/version') return res.setHeader('content-type', 'application/json').end(JSON.stringify(version));
  res.statusCode = 404;
  res.end();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Staging and production with no install or build; production watched for `window`, checked every second. */
function trunkflowYml(window: string): string {
  const app = '    install: false\n    build: false\n    start: [node, server.js]\n    healthPath: /healthz\n';
  return `environments:\n  staging:\n${app}  production:\n${app}    monitor:\n      duration: ${window}\n      interval: 1s\n      checks: [{ provider: http }]\n`;
}

interface ApiRun {
  id: string;
  environment: string;
  version: string | null;
  kind: string;
  status: string;
  trigger: string;
  actor: string | null;
  steps: { kind: string; status: string; reason: string | null }[];
}
interface ApiRelease {
  tag: string;
  sha: string;
  status: string;
  prs: number[];
  incident: string | null;
}
interface ApiEnvironment {
  name: string;
  status: string;
  sha: string | null;
  version: string | null;
}

const dirs = new TempDirs();
let server: RunningServer;
let dataDir: string;
let home: string;
let clone: string;
let firstSha = '';
/** What main holds on the server now. */
let trunkSha = '';

function trunkflow(args: string[], env: NodeJS.ProcessEnv = { TRUNKFLOW_TOKEN: ADMIN_TOKEN }) {
  return runCliAsync(args, { env: { ...baseEnv(home), TRUNKFLOW_SERVER: server.url, ...env } });
}

const tf = (...args: string[]) => trunkflow([...args, '--project', PROJECT]);

async function json<T>(...args: string[]): Promise<T> {
  const run = await tf(...args, '--format', 'json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function git(...args: string[]): Promise<string> {
  return gitWithToken({
    home,
    token: ADMIN_TOKEN,
    cwd: clone,
    args,
    author: { name: 'Ada', email: 'ada@example.com' },
  });
}

/** Writes the app with `window` as production's monitoring window, commits it and pushes it to main; returns the sha. */
async function push(title: string, window: string): Promise<string> {
  writeFileSync(join(clone, 'trunkflow.yml'), trunkflowYml(window));
  writeFileSync(join(clone, 'server.js'), SERVER_JS);
  writeFileSync(join(clone, 'CHANGES.md'), `${title}\n`);
  await git('add', '-A');
  await git('commit', '--quiet', '-m', title);
  await git('push', '--quiet', 'origin', 'HEAD:main');
  return (await git('rev-parse', 'HEAD')).trim();
}

/** Polls `read` until `done` holds, for at most WAIT_MS. */
async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + WAIT_MS;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await sleep(200);
    last = await read();
  }
  return last;
}

const releases = () => json<ApiRelease[]>('releases', 'list');
const runs = () => json<ApiRun[]>('runs', 'list');
const environments = () => json<ApiEnvironment[]>('envs');
const release = async (tag: string) => (await releases()).find((candidate) => candidate.tag === tag);

function releaseIs(tag: string, status: string): Promise<ApiRelease[]> {
  return waitFor(`release ${tag} to be ${status}`, releases, (all) =>
    all.some((candidate) => candidate.tag === tag && candidate.status === status),
  );
}

/** Until production's run of `tag` is watching its window (its monitor step running). */
function windowOpen(tag: string): Promise<ApiRun[]> {
  return waitFor(`the monitoring window of ${tag}`, runs, (all) =>
    all.some(
      (run) =>
        run.environment === 'production' &&
        run.version === tag &&
        run.steps.some((step) => step.kind === 'monitor' && step.status === 'running'),
    ),
  );
}

/** What production's app answers on /version, through the proxy at `<project>.localhost` on the server's port. */
function productionVersion(): Promise<{ version: string | null; sha: string; env: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port: server.port, path: '/version', headers: { host: `${PROJECT}.localhost` } },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`/version answered ${response.statusCode}: ${body}`));
          else resolve(JSON.parse(body));
        });
      },
    );
    sent.on('error', reject).end();
  });
}

/** The process groups of the apps the deployer started, from its records. */
function deployedPids(): number[] {
  const root = join(dataDir, 'deploys', PROJECT);
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((environment) => {
    const file = join(root, environment, 'state.json');
    if (!existsSync(file)) return [];
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      current?: { pid: number | null } | null;
      pending?: { pid: number | null } | null;
    };
    return [state.current?.pid, state.pending?.pid].filter((pid): pid is number => typeof pid === 'number');
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  home = dirs.make('home');
  dataDir = dirs.make('data');
  server = await startServer({ dataDir, env: { TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN } });
  const created = await trunkflow(['project', 'create', PROJECT, '--allow-direct-trunk-push', '--format', 'json']);
  expect(created.status, created.stderr).toBe(0);
  clone = join(dirs.make('clone'), PROJECT);
  await gitWithToken({
    home,
    token: ADMIN_TOKEN,
    cwd: home,
    args: ['clone', '--quiet', JSON.parse(created.stdout).gitUrl, clone],
    author: { name: 'Ada', email: 'ada@example.com' },
  });
  await git('checkout', '--quiet', '-B', 'main');
  // trunk.updated deploys it to staging by itself, which tags v0.0.1, which production deploys.
  firstSha = await push('fix: answer /version', '2s');
  trunkSha = firstSha;
  // Its staging run exists before the tests deploy by hand, so theirs queues behind it.
  await waitFor('the staging run of the push', runs, (all) => all.some((run) => run.trigger === 'trunk'));
}, 60_000);

afterAll(async () => {
  const pids = dataDir ? deployedPids() : [];
  await server?.stop();
  // A deploy cut short by the stop records its app too.
  if (dataDir) pids.push(...deployedPids());
  // The apps end on their own once the server is gone; anything still up after 5 s is stopped here.
  const until = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < until) await sleep(100);
  for (const pid of pids.filter(alive)) process.kill(-pid, 'SIGKILL');
  dirs.removeAll();
}, 30_000);

describe('trunkflow deploy, releases, promote, rollback and abort on a real server', () => {
  it('deploy staging --follow prints the run’s output, exits 0, and envs shows staging live', async () => {
    const deployed = await tf('deploy', 'staging', '--follow');
    expect(deployed.status, deployed.stderr).toBe(0);
    const id = RUN_ID.exec(deployed.stderr)?.[1];
    expect(deployed.stderr, 'the queued line names the run').toMatch(
      new RegExp(`^queued run [0-9a-f-]{36}: deploy of ${firstSha.slice(0, 7)} to staging\\n`),
    );
    // The lines of `runs logs --follow`, each step numbered from 1.
    expect(deployed.stdout).toMatch(/^\[1 checkout trunkflow\] checking out /m);
    expect(deployed.stdout).toMatch(/^\[4 deploy trunkflow\] /m);
    expect(deployed.stdout).toContain(`is already tagged v0.0.1`);

    const run = await json<ApiRun>('runs', 'view', id ?? '');
    expect(run).toMatchObject({ environment: 'staging', kind: 'deploy', status: 'succeeded', trigger: 'manual' });
    expect(run.actor).toBe('admin');
    // The sha was tagged by the pushed run: this one makes no tag and carries no version to production.
    expect(run.version).toBeNull();
    expect(run.steps.find((step) => step.kind === 'tag')?.reason).toMatch(/^no new tag: /);
    const staging = (await environments()).find((env) => env.name === 'staging');
    expect(staging).toMatchObject({ status: 'live', sha: firstSha });
  }, 60_000);

  it('releases list --format json prints a bare array: v0.0.1 passed its window, deployed to production once', async () => {
    await releaseIs('v0.0.1', 'passed');
    const listed = await releases();
    expect(Array.isArray(listed)).toBe(true);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toEqual(
      expect.objectContaining({ tag: 'v0.0.1', sha: firstSha, status: 'passed', prs: [], incident: null }),
    );
    expect(Object.keys(listed[0] ?? {})).toEqual(expect.arrayContaining(['tag', 'sha', 'status', 'prs', 'incident']));
    // Staging deployed by hand at the tagged sha made no new tag, so production took v0.0.1 once.
    const production = (await runs()).filter((candidate) => candidate.environment === 'production');
    expect(production.map((candidate) => [candidate.version, candidate.trigger])).toEqual([['v0.0.1', 'tag']]);
    expect((await productionVersion()).version).toBe('v0.0.1');

    const text = await tf('releases', 'list');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^TAG\s+STATUS\s+SHA\s+PRS\s+ON WATCH\s+INCIDENT\s+CREATED$/m);
    expect(text.stdout).toMatch(
      new RegExp(`^v0\\.0\\.1\\s+passed\\s+${firstSha.slice(0, 7)}\\s+-\\s+-\\s+-\\s+\\S+$`, 'm'),
    );
  }, 60_000);

  it('promote and abort with no monitoring window open exit 1 and say so', async () => {
    for (const action of ['promote', 'abort']) {
      const refused = await tf(action, 'production');
      expect(refused.stderr).toContain(`production of ${PROJECT} has no monitoring window open: nothing to ${action}`);
      expect(refused.stdout).toBe('');
      expect(refused.status).toBe(1);
    }
  });

  it('promote passes an open window; rollback production --follow then serves v0.0.1 again', async () => {
    trunkSha = await push('feat: a second page', '10m');
    await windowOpen('v0.1.0');
    expect((await productionVersion()).version).toBe('v0.1.0');
    expect((await release('v0.1.0'))?.status).toBe('watching');

    const promoted = await tf('promote', 'production');
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/^promoted v0\.1\.0 \([0-9a-f]{7}\) on production: its monitoring window passed/);
    await releaseIs('v0.1.0', 'passed');

    const rolledBack = await tf('rollback', 'production', '--follow');
    expect(rolledBack.status, rolledBack.stderr).toBe(0);
    expect(rolledBack.stderr).toMatch(/^queued run [0-9a-f-]{36}: rollback of production from v0\.1\.0 /);
    expect(rolledBack.stdout).toMatch(/^\[1 deploy/m);
    expect(await productionVersion()).toMatchObject({ version: 'v0.0.1', sha: firstSha, env: 'production' });
    const production = (await environments()).find((env) => env.name === 'production');
    expect(production).toMatchObject({ status: 'live', version: 'v0.0.1', sha: firstSha });
    const back = await release('v0.1.0');
    expect(back?.status).toBe('rolled-back');
    expect(back?.incident).toEqual(expect.any(String));
    const id = RUN_ID.exec(rolledBack.stderr)?.[1];
    expect(await json<ApiRun>('runs', 'view', id ?? '')).toMatchObject({
      kind: 'rollback',
      trigger: 'manual',
      steps: [{ reason: 'serving v0.0.1 again' }, { reason: 'v0.1.0 rolled back by admin' }],
    });
  }, 90_000);

  it('abort fails an open window, and the rollback that follows serves the build kept before it', async () => {
    trunkSha = await push('fix: a third change', '10m');
    await windowOpen('v0.1.1');
    expect((await productionVersion()).version).toBe('v0.1.1');

    const aborted = await tf('abort', 'production');
    expect(aborted.status, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(
      /^aborted the monitoring window of v0\.1\.1 \([0-9a-f]{7}\) on production: a rollback follows/,
    );
    const [done] = await releaseIs('v0.1.1', 'rolled-back').then((all) => all.filter((r) => r.tag === 'v0.1.1'));
    expect(done?.incident).toEqual(expect.any(String));
    expect((await productionVersion()).version).toBe('v0.0.1');
    const rollback = (await runs()).find((run) => run.kind === 'rollback' && run.version === 'v0.1.1');
    expect(rollback).toMatchObject({ trigger: 'monitor', status: 'succeeded' });
  }, 90_000);

  it('deploy --follow exits 1 when the run fails, in JSON Lines with --format json', async () => {
    // A branch whose app exits at once: staging never becomes healthy.
    await git('checkout', '--quiet', '-b', 'broken');
    writeFileSync(join(clone, 'server.js'), 'process.exit(3);\n');
    writeFileSync(
      join(clone, 'trunkflow.yml'),
      trunkflowYml('2s').replaceAll('healthPath: /healthz\n', 'healthPath: /healthz\n    healthTimeout: 2s\n'),
    );
    await git('commit', '--quiet', '-am', 'fix: exit at once');
    await git('push', '--quiet', 'origin', 'HEAD:broken');
    await git('checkout', '--quiet', 'main');

    const failed = await tf('deploy', 'staging', '--ref', 'broken', '--follow', '--format', 'json');
    expect(failed.stderr).toMatch(/^queued run [0-9a-f-]{36}: deploy of [0-9a-f]{7} to staging\n/);
    const lines = failed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(['at', 'id', 'line', 'step', 'stream']);
    expect(failed.status).toBe(1);

    const text = await tf('deploy', 'staging', '--ref', 'broken', '--follow');
    expect(text.stderr).toMatch(/^run [0-9a-f-]{36} failed: /m);
    expect(text.status).toBe(1);
  }, 90_000);

  it('runs logs --follow replays a failed run and exits 1; runs retry --follow runs it again as a new run; a succeeded run is refused', async () => {
    const failed = (await runs()).find((run) => run.environment === 'staging' && run.status === 'failed');
    if (!failed) throw new Error('the test before leaves a failed staging run');
    const logs = await tf('runs', 'logs', failed.id, '--follow');
    expect(logs.stdout).toMatch(/^\[1 checkout trunkflow\] checking out /m);
    expect(logs.stderr).toMatch(new RegExp(`^run ${failed.id} failed: `, 'm'));
    expect(logs.status).toBe(1);

    const retried = await tf('runs', 'retry', failed.id, '--follow');
    const id = /^queued run ([0-9a-f-]{36}): deploy staging at [0-9a-f]{7} \(retry of ([0-9a-f-]{36})\)$/m.exec(
      retried.stderr,
    );
    expect(id?.[2], retried.stderr).toBe(failed.id);
    expect(id?.[1]).not.toBe(failed.id);
    expect(retried.stdout).toMatch(/^\[1 checkout trunkflow\] checking out /m);
    expect(retried.status).toBe(1);
    expect(await json<ApiRun>('runs', 'view', id?.[1] ?? '')).toMatchObject({
      environment: 'staging',
      kind: 'deploy',
      status: 'failed',
      trigger: 'retry',
      actor: 'admin',
    });
    // The old run stays as it ended.
    expect(await json<ApiRun>('runs', 'view', failed.id)).toMatchObject({ status: 'failed', trigger: failed.trigger });

    const succeeded = (await runs()).find((run) => run.status === 'succeeded' && run.kind === 'deploy');
    if (!succeeded) throw new Error('earlier tests leave a succeeded deploy');
    const refused = await tf('runs', 'retry', succeeded.id);
    expect(refused.stderr).toContain(`run ${succeeded.id} succeeded: there is nothing to retry`);
    expect(refused.status).toBe(1);
  }, 90_000);

  it('deploy without --follow prints the queued run; a ref that was never pushed is bad usage', async () => {
    const queued = await tf('deploy', 'production', '--ref', 'v0.0.1', '--format', 'json');
    expect(queued.status, queued.stderr).toBe(0);
    expect(JSON.parse(queued.stdout)).toMatchObject({
      environment: 'production',
      kind: 'deploy',
      sha: firstSha,
      version: 'v0.0.1',
      trigger: 'manual',
      actor: 'admin',
    });
    const text = await tf('deploy', 'staging');
    expect(text.status, text.stderr).toBe(0);
    const id = RUN_ID.exec(text.stdout)?.[1];
    expect(text.stdout).toBe(
      `queued run ${id}: deploy of ${trunkSha.slice(0, 7)} to staging\n  follow it: trunkflow runs logs ${id} --project ${PROJECT} --follow\n`,
    );
    const missing = await tf('deploy', 'staging', '--ref', 'no-such-branch');
    expect(missing.stderr).toContain('ref "no-such-branch" is not in tiny');
    expect(missing.status).toBe(2);
  }, 60_000);

  it('refuses a preview or an unknown environment before any request', async () => {
    const cases: [string[], RegExp][] = [
      [['deploy', 'preview'], /^trunkflow: cannot deploy preview: a preview deploys its pull request by itself/],
      [['rollback', 'preview'], /^trunkflow: cannot rollback preview: a preview is not rolled back/],
      [['promote', 'preview'], /^trunkflow: cannot promote preview: a preview has no monitoring window/],
      [
        ['deploy', 'prod'],
        /^trunkflow: environment "prod" is not one of preview, staging, production: use staging or production/,
      ],
      [['abort', 'Production'], /^trunkflow: environment "Production" is not one of/],
    ];
    for (const [args, message] of cases) {
      // An unreachable server: had a request been sent, the error would say so instead.
      const refused = await trunkflow([...args, '--project', PROJECT, '--server', 'http://127.0.0.1:9'], {
        TRUNKFLOW_TOKEN: ADMIN_TOKEN,
      });
      expect(refused.stderr, args.join(' ')).toMatch(message);
      expect(refused.status).toBe(2);
    }
  });

  it('needs a token, and says how to give one', async () => {
    const none = await trunkflow(['deploy', 'staging', '--project', PROJECT], {});
    expect(none.stderr).toContain(`no token for ${server.url}`);
    expect(none.stderr).toContain('trunkflow login');
    expect(none.status).toBe(2);
    const wrong = await trunkflow(['releases', 'list', '--project', PROJECT], { TRUNKFLOW_TOKEN: 'not-a-token' });
    expect(wrong.stderr).toContain('did not accept the token');
    expect(wrong.status).toBe(2);
  });
});
