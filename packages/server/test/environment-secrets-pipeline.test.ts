// Environment secrets in real runs: staging's install, build, start and test get staging's secrets, a preview only the preview ones, and stored output shows *** in place of every value.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runGit } from '@trunkflow/git';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authedGitUrl, startServer, type TestServer, testDatabases } from './helpers/server.js';

const sqlite = testDatabases().find((kind) => kind.name === 'sqlite');

const STAGING_API_KEY = 'staging-api-key-4f1d9a';
const STAGING_SHARED = 'staging-shared-c0ffee77';
const PREVIEW_SHARED = 'preview-shared-b0a7d3';
const PRODUCTION_SHARED = 'production-shared-91e2aa';
const PRODUCTION_ONLY = 'production-only-5e5e5e';
const VALUES = [STAGING_API_KEY, STAGING_SHARED, PREVIEW_SHARED, PRODUCTION_SHARED, PRODUCTION_ONLY];
const NAMES = ['API_KEY', 'SHARED_KEY', 'PROD_ONLY'];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Prints, for each name, the value (which Trunkflow must mask) and its hash (which shows what arrived). */
const SHOW = `import { createHash } from 'node:crypto';
export function show(step) {
  for (const name of ${JSON.stringify(NAMES)}) {
    const value = process.env[name];
    const hash = value === undefined ? '-' : createHash('sha256').update(value).digest('hex');
    console.log(step + ' ' + name + '=' + (value ?? '(unset)') + ' sha256=' + hash);
  }
}
if (process.argv[2]) show(process.argv[2]);
`;
const APP = `import { createServer } from 'node:http';
import { show } from './show.mjs';
show('start');
createServer((request, response) => response.writeHead(200).end('ok')).listen(Number(process.env.PORT), process.env.HOST);
`;
const DEPLOY = `import { show } from './show.mjs';
show('deploy');
console.log('TRUNKFLOW_URL=http://127.0.0.1:9/preview-' + process.env.TRUNKFLOW_PR);
`;
const TRUNKFLOW_YML = (previewSecrets: string) => `proxy:
  mode: port
environments:
  preview:
    deployer: command
    install: node show.mjs install
    build: false
    deploy: node deploy.mjs
    secrets: ${previewSecrets}
  staging:
    install: node show.mjs install
    build: node show.mjs build
    start: node app.mjs
    test: node show.mjs test
    healthTimeout: 2m
    secrets: [API_KEY, SHARED_KEY]
`;

interface Run {
  id: string;
  environment: string;
  name: string;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; reason: string | null }[];
}

/** The process groups of the apps the deployers recorded (`deploys/<project>/<env>/state.json`). */
async function deployedGroups(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const project of await readdir(root).catch(() => [] as string[])) {
    for (const environment of await readdir(join(root, project)).catch(() => [] as string[])) {
      const text = await readFile(join(root, project, environment, 'state.json'), 'utf8').catch(() => null);
      if (text === null) continue;
      const state =
        (JSON.parse(text) as { state?: Record<string, { pid?: number | null } | null | undefined> }).state ?? {};
      for (const release of [state.current, state.previous, state.pending]) {
        if (typeof release?.pid === 'number') pids.push(release.pid);
      }
    }
  }
  return pids;
}

describe.runIf(sqlite)('environment secrets in pipeline runs', () => {
  let server: TestServer;
  let scratch = '';
  let work = '';
  let dana = '';
  const logged: string[] = [];

  const git = (...args: string[]) => runGit(args, { cwd: work });
  const remote = () => authedGitUrl(server.url, 'shop', dana);
  async function commit(files: Record<string, string>, message: string): Promise<void> {
    for (const [path, content] of Object.entries(files)) await writeFile(join(work, path), content);
    await git('add', '-A');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', message);
  }
  const setSecret = async (environment: string, name: string, value: string) => {
    const answer = await server.api('PUT', `/api/projects/shop/environments/${environment}/secrets/${name}`, {
      token: dana,
      body: { value },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  };
  /** Polls (bounded) until the environment instance has a finished run, and returns it. */
  async function finishedRun(name: string): Promise<Run> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const runs = (await server.api<{ runs: Run[] }>('GET', '/api/projects/shop/runs?limit=100')).body.runs;
      const run = runs.find((candidate) => candidate.name === name);
      if (run && ['succeeded', 'failed', 'canceled'].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`no finished ${name} run; runs: ${JSON.stringify(runs)}`);
      await new Promise((wait) => setTimeout(wait, 200));
    }
  }
  const output = async (run: Run) =>
    (
      await server.api<{ lines: { stream: string; line: string }[] }>(
        'GET',
        `/api/projects/shop/runs/${run.id}/output?limit=5000`,
      )
    ).body.lines.map((entry) => entry.line);

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-secrets-'));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    server = await startServer(sqlite as NonNullable<typeof sqlite>, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      logger: pino({ level: 'debug' }, sink),
    });
    dana = await server.createUser('dana', 'developer');
    // Dana creates the project, so she maintains it and may set its secrets.
    expect((await server.api('POST', '/api/projects', { token: dana, body: { name: 'shop' } })).status).toBe(201);
    await setSecret('staging', 'API_KEY', STAGING_API_KEY);
    await setSecret('staging', 'SHARED_KEY', STAGING_SHARED);
    await setSecret('preview', 'SHARED_KEY', PREVIEW_SHARED);
    await setSecret('production', 'SHARED_KEY', PRODUCTION_SHARED);
    await setSecret('production', 'PROD_ONLY', PRODUCTION_ONLY);

    work = join(scratch, 'work');
    await runGit(['init', '-q', '-b', 'main', work], { cwd: scratch });
    await commit(
      { 'show.mjs': SHOW, 'app.mjs': APP, 'deploy.mjs': DEPLOY, 'trunkflow.yml': TRUNKFLOW_YML('[SHARED_KEY]') },
      'chore: an app that shows its environment',
    );
    // The push to trunk deploys staging.
    await git('push', '-q', remote(), 'HEAD:main');
  }, 60_000);

  afterAll(async () => {
    // Deployed apps outlive a server on purpose (the next start adopts them): stop them here.
    const groups = server ? await deployedGroups(join(server.dataDir, 'deploys')) : [];
    await server?.stop();
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('gives staging’s install, build, start and test its secrets, and stores *** in place of each value', async () => {
    const run = await finishedRun('staging');
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const lines = await output(run);
    for (const step of ['install', 'build', 'start', 'test']) {
      expect(lines, step).toContain(`${step} API_KEY=*** sha256=${sha256(STAGING_API_KEY)}`);
      expect(lines, step).toContain(`${step} SHARED_KEY=*** sha256=${sha256(STAGING_SHARED)}`);
      // Production's own secret never reaches staging.
      expect(lines, step).toContain(`${step} PROD_ONLY=(unset) sha256=-`);
    }
    const text = lines.join('\n');
    for (const value of VALUES) expect(text).not.toContain(value);
  });

  it('gives a preview only the preview secrets, never staging’s or production’s', async () => {
    await git('switch', '-q', '-c', 'feature/one');
    await commit({ 'NOTES.md': 'one\n' }, 'chore: a change');
    await git('push', '-q', remote(), 'HEAD:feature/one');
    const opened = await server.api<{ number: number }>('POST', '/api/projects/shop/pulls', {
      token: dana,
      body: { head: 'feature/one', title: 'chore: a change', body: 'A change.' },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const run = await finishedRun(`pr-${opened.body.number}`);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const lines = await output(run);
    for (const step of ['install', 'deploy']) {
      expect(lines, step).toContain(`${step} SHARED_KEY=*** sha256=${sha256(PREVIEW_SHARED)}`);
      expect(lines, step).toContain(`${step} API_KEY=(unset) sha256=-`);
      expect(lines, step).toContain(`${step} PROD_ONLY=(unset) sha256=-`);
    }
    const text = lines.join('\n');
    for (const value of VALUES) expect(text).not.toContain(value);
  });

  it('fails a run at checkout, saying how to set it, when its secrets: list names one with no value', async () => {
    await git('switch', '-q', '-c', 'feature/two', 'main');
    await commit({ 'trunkflow.yml': TRUNKFLOW_YML('[SHARED_KEY, API_KEY]') }, 'chore: a preview that asks for more');
    await git('push', '-q', remote(), 'HEAD:feature/two');
    const opened = await server.api<{ number: number }>('POST', '/api/projects/shop/pulls', {
      token: dana,
      body: { head: 'feature/two', title: 'chore: a preview that asks for more', body: 'A change.' },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const run = await finishedRun(`pr-${opened.body.number}`);
    expect(run.status).toBe('failed');
    const checkout = run.steps.find((step) => step.kind === 'checkout');
    expect(checkout?.status).toBe('failed');
    // Staging has an API_KEY; that is no value for a preview.
    expect(checkout?.reason).toContain('environments.preview.secrets in trunkflow.yml names API_KEY');
    expect(checkout?.reason).toContain('trunkflow env secret set preview API_KEY --project shop');
    expect(run.steps.find((step) => step.kind === 'install')?.status).not.toBe('succeeded');
  });

  it('never logs a value', () => {
    expect(logged.length).toBeGreaterThan(10);
    const log = logged.join('');
    for (const value of VALUES) expect(log).not.toContain(value);
  });
});
