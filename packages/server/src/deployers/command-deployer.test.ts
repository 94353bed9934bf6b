// The command deployer running real scripts from a real repository: the URL line, the TRUNKFLOW_* facts, failures, destroy.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../platform/clock.js';
import { baseEnvFrom } from './child-env.js';
import { CommandDeployer, urlFromLine } from './command-deployer.js';
import type { EnvironmentRef } from './environment.js';
import { collectingSink, createTestRepo, type TestRepo } from './test-harness.js';
import { DeployError, type DeployRequest } from './types.js';

const DEPLOY = `
import { readFileSync } from 'node:fs';
for (const name of ['TRUNKFLOW_SHA', 'TRUNKFLOW_ENV', 'TRUNKFLOW_PR', 'TRUNKFLOW_REF', 'TRUNKFLOW_VERSION', 'TOKEN']) {
  console.log(name + '=' + (process.env[name] ?? '(unset)'));
}
console.log('server settings: ' + (process.env.TRUNKFLOW_ADMIN_TOKEN ?? process.env.DATABASE_URL ?? 'none'));
console.log('tree has ' + readFileSync('marker.txt', 'utf8').trim());
console.error('uploading…');
console.log('TRUNKFLOW_URL=https://shop-pr-' + process.env.TRUNKFLOW_PR + '.example.dev/');
`;

const FAIL = `
for (let i = 1; i <= 25; i++) console.log('step ' + i);
console.error('Error: the cluster refused the manifest');
process.exit(1);
`;

describe('command deployer', () => {
  let root: string;
  let repo: TestRepo;
  let sha: string;
  let deployer: CommandDeployer;
  const preview: EnvironmentRef = { project: 'shop', environment: 'preview', pr: 3 };

  const request = (deploy: string[], log = collectingSink(), environment: EnvironmentRef = preview) => ({
    log,
    request: {
      environment,
      repoPath: repo.bare,
      sha,
      ref: 'refs/pull/3/head',
      version: null,
      commands: { install: null, build: null, deploy },
      variables: {},
      secrets: { TOKEN: 'vercel-token-123' },
      healthPath: '/healthz',
      timeouts: { commandMs: 30_000, healthMs: 10_000 },
      log: log.sink,
    } satisfies DeployRequest,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trunkflow-command-'));
    repo = await createTestRepo(join(root, 'repo'), {});
    sha = await repo.commit(
      {
        'deploy.mjs': DEPLOY,
        'fail.mjs': FAIL,
        'quiet.mjs': "console.log('deployed somewhere');\n",
        'destroy.mjs': "console.log('removing ' + process.env.TRUNKFLOW_URL + ' of PR ' + process.env.TRUNKFLOW_PR);\n",
        'marker.txt': 'the checked-out files\n',
      },
      'deploy scripts',
    );
    const serverEnv = {
      ...process.env,
      TRUNKFLOW_ADMIN_TOKEN: 'admin-token-of-the-server',
      DATABASE_URL: 'postgres://x',
    };
    deployer = new CommandDeployer({
      dataDir: join(root, 'data'),
      baseEnv: baseEnvFrom(serverEnv),
      clock: systemClock,
    });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs the command in a checkout with the TRUNKFLOW_* facts, and reads the URL from its output', async () => {
    const { request: deploy, log } = request(['node', 'deploy.mjs']);
    const result = await deployer.deploy(deploy);
    expect(result).toEqual({ url: 'https://shop-pr-3.example.dev/', sha, version: null });
    const out = log.lines.filter((entry) => entry.stream === 'stdout').map((entry) => entry.line);
    expect(out).toEqual([
      `TRUNKFLOW_SHA=${sha}`,
      'TRUNKFLOW_ENV=preview',
      'TRUNKFLOW_PR=3',
      'TRUNKFLOW_REF=refs/pull/3/head',
      'TRUNKFLOW_VERSION=',
      'TOKEN=***',
      'server settings: none',
      'tree has the checked-out files',
      'TRUNKFLOW_URL=https://shop-pr-3.example.dev/',
    ]);
    expect(log.lines.filter((entry) => entry.stream === 'stderr').map((entry) => entry.line)).toEqual(['uploading…']);
    expect(await deployer.status(preview)).toMatchObject({ kind: 'command', state: 'deployed', url: result.url, sha });
    expect(await deployer.list()).toHaveLength(1);
    // The checkout is gone once the command is done; only the record stays.
    expect(await readdir(join(root, 'data/deploys/shop/pr-3'))).toEqual(['state.json']);
  });

  it('fails on a non-zero exit, with the last lines of output in the error', async () => {
    const error = await deployer.deploy(request(['node', 'fail.mjs']).request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect(error).toMatchObject({ phase: 'deploy', reason: 'failed' });
    const message = (error as Error).message;
    expect(message.split('\n')[0]).toBe('deploy (node fail.mjs) exited with code 1');
    expect(message).toContain('step 25\nError: the cluster refused the manifest');
    // Only the last lines: the first ones are not worth the space.
    expect(message).not.toContain('step 1\n');
    expect((error as DeployError).tail).toHaveLength(20);
  });

  it('fails a command that succeeds without printing TRUNKFLOW_URL=…', async () => {
    await expect(deployer.deploy(request(['node', 'quiet.mjs']).request)).rejects.toThrow(
      'succeeded but printed no line TRUNKFLOW_URL=<url>',
    );
  });

  it('refuses an environment without a deploy command, and a program that is not there', async () => {
    const none = request([]).request;
    await expect(deployer.deploy({ ...none, commands: { install: null, build: null } })).rejects.toThrow(
      '`deployer: command` needs a `deploy` command',
    );
    await expect(deployer.deploy(request(['carlin-is-not-installed', 'deploy']).request)).rejects.toThrow(
      '`carlin-is-not-installed` was not found on PATH',
    );
  });

  it('destroys by running the destroy command with the deploy’s facts, then forgets the deploy', async () => {
    const log = collectingSink();
    await deployer.destroy(preview, { command: ['node', 'destroy.mjs'], log: log.sink });
    expect(log.lines.filter((entry) => entry.stream === 'stdout').map((entry) => entry.line)).toEqual([
      'removing https://shop-pr-3.example.dev/ of PR 3',
    ]);
    expect(await deployer.status(preview)).toBeNull();
    // Destroying what is not deployed is no error.
    await deployer.destroy(preview);
  });

  it.each([
    ['TRUNKFLOW_URL=https://a.example.dev', 'https://a.example.dev'],
    ['  TRUNKFLOW_URL=http://127.0.0.1:8080/x  ', 'http://127.0.0.1:8080/x'],
    ['TRUNKFLOW_URL=', null],
    ['TRUNKFLOW_URL=not a url', null],
    ['TRUNKFLOW_URL=ftp://a.example.dev', null],
    ['the TRUNKFLOW_URL=https://a.example.dev', null],
    ['Preview: https://a.example.dev', null],
  ])('urlFromLine(%j) → %j', (line, expected) => {
    expect(urlFromLine(line)).toBe(expected);
  });
});
