// `trunkflow config validate` with environments: the schema's errors, programs looked up on PATH and in the repository.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigFile } from '@trunkflow/core/config-file';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findMissingPrograms } from '../src/config-programs.js';
import { COMMAND_DEPLOYER_EXAMPLE, ENVIRONMENTS_EXAMPLE } from '../src/config-reference.js';
import { runCli, TempRepo } from './helpers/temp-repo.js';

function configOf(yaml: string) {
  const { config, issues } = parseConfigFile(yaml);
  expect(issues).toEqual([]);
  return config;
}

describe('findMissingPrograms', () => {
  let root: string;
  let bin: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trunkflow-programs-'));
    bin = mkdtempSync(join(tmpdir(), 'trunkflow-bin-'));
    const file = (path: string, mode: number) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '#!/bin/sh\nexit 0\n');
      chmodSync(path, mode);
    };
    file(join(bin, 'deploytool'), 0o755);
    file(join(bin, 'notrunnable'), 0o644);
    file(join(root, 'scripts/smoke.sh'), 0o755);
    file(join(root, 'scripts/plain.sh'), 0o644);
    mkdirSync(join(root, 'scripts/folder'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  /** The problem with one staging test command (`<bin>` standing for the PATH folder), or null. */
  async function problemWith(test: string): Promise<string | null> {
    const command = test.replace('<bin>', bin);
    const config = configOf(
      `environments:\n  staging: { install: false, build: false, start: deploytool, test: '${command}' }\n`,
    );
    const issues = await findMissingPrograms(config, { root, searchPath: `${join(bin, 'absent')}::${bin}` });
    expect(issues.every((issue) => issue.path === 'environments.staging.test')).toBe(true);
    return issues[0]?.message ?? null;
  }

  it.each([
    ['deploytool --stage staging', null],
    ['./scripts/smoke.sh', null],
    ['scripts/smoke.sh', null],
    ['<bin>/deploytool', null],
    [
      'jest',
      '`jest` is not a program on PATH nor a file in the repository: install it where Trunkflow deploys, write its path (like ./scripts/jest), or run a dependency of the app through npx (npx jest)',
    ],
    [
      'notrunnable',
      '`notrunnable` is not a program on PATH nor a file in the repository: install it where Trunkflow deploys, write its path (like ./scripts/notrunnable), or run a dependency of the app through npx (npx notrunnable)',
    ],
    [
      './scripts/missing.sh',
      '`./scripts/missing.sh` is not a file in the repository (looked for scripts/missing.sh): fix the path, which is relative to the repository root',
    ],
    [
      './scripts/plain.sh',
      '`./scripts/plain.sh` is not executable: run `chmod +x scripts/plain.sh` and commit it (git keeps the mode), or run it through its interpreter, like [sh, scripts/plain.sh]',
    ],
    ['./scripts/folder', '`./scripts/folder` is a directory, not a program: name the file to run'],
    [
      '../elsewhere/run.sh',
      '`../elsewhere/run.sh` points outside the repository, but commands run in the checked-out tree: use a path inside it, like ./scripts/deploy.sh',
    ],
    [
      '/nonexistent/bin/tool',
      '`/nonexistent/bin/tool` does not exist on this machine: fix the path, or name a program on PATH',
    ],
  ])('%s → %s', async (test, problem) => {
    expect(await problemWith(test)).toBe(problem);
  });

  it('checks every command of every environment, each by its key, and only what the deployer runs', async () => {
    const config = configOf(`
environments:
  preview: { install: nope-install, build: auto, start: nope-start }
  staging: { deployer: command, deploy: nope-deploy, destroy: [deploytool, rm], start: not-run-by-command }
  production:
    install: false
    build: [nope-build]
    start: deploytool
    monitor:
      checks: [{ provider: http }, { provider: command, command: nope-check }]
`);
    const issues = await findMissingPrograms(config, { root, searchPath: bin });
    expect(issues.map((issue) => issue.path)).toEqual([
      'environments.preview.install',
      'environments.preview.build',
      'environments.preview.start',
      // The command deployer installs and builds too (npm here), then deploys instead of starting.
      'environments.staging.install',
      'environments.staging.build',
      'environments.staging.deploy',
      'environments.production.build',
      'environments.production.monitor.checks.1.command',
    ]);
    // `build: auto` runs npm, which this PATH lacks.
    expect(issues[1]?.message).toMatch(/^`npm` is not a program on PATH/);
  });

  it('finds nothing to check without environments', async () => {
    expect(await findMissingPrograms(configOf(''), { root, searchPath: '' })).toEqual([]);
  });
});

describe('trunkflow config validate', () => {
  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const repo of repos.splice(0)) repo.remove();
  });

  function repoWith(yaml: string): TempRepo {
    const repo = new TempRepo();
    repos.push(repo);
    repo.write('trunkflow.yml', yaml);
    return repo;
  }

  it('prints environments in the notation of the file, with every default', () => {
    const repo = repoWith('environments:\n  production:\n    monitor: { duration: 90m }\n');
    const run = runCli(['config', 'validate'], { cwd: repo.dir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed.environments.production).toMatchObject({
      install: ['npm', 'ci'],
      build: 'auto',
      timeout: '10m',
      monitor: {
        duration: '1h30m',
        interval: '1m',
        checks: [{ provider: 'http', path: '/healthz', maxLatency: '5s' }],
      },
    });
    expect(printed.proxy).toEqual({ mode: 'host' });
  });

  it('reports a bad environment by key, with exit code 2', () => {
    const repo = repoWith(
      "environments:\n  staging: { deployer: docker }\n  production:\n    monitor:\n      interval: 2h\n      checks: [{ provider: prometheus, url: 'prometheus:9090', query: up, successCondition: result < 1 }]\n",
    );
    const run = runCli(['config', 'validate'], { cwd: repo.dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('trunkflow.yml: invalid configuration:');
    expect(run.stderr).toContain('  environments.staging.deployer: unknown deployer "docker"');
    expect(run.stderr).toContain(
      '  environments.production.monitor.checks.0.url: "prometheus:9090" is not a Prometheus URL',
    );
    // The interval is checked against the duration once the rest of the monitor block is valid.
    const fixed = repoWith('environments:\n  production:\n    monitor: { interval: 2h }\n');
    expect(runCli(['config', 'validate'], { cwd: fixed.dir }).stderr).toContain(
      'environments.production.monitor.interval: `interval` 2h is longer than `duration` 30m: shorten interval or lengthen duration',
    );
  });

  it('reports a command whose program is not here, unless told not to look', () => {
    const repo = repoWith(
      'environments:\n  staging: { test: trunkflow-no-such-program --ci, start: ./scripts/start.sh }\n',
    );
    const run = runCli(['config', 'validate'], { cwd: repo.dir });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('trunkflow.yml: commands whose program is not here:');
    expect(run.stderr).toContain(
      '  environments.staging.test: `trunkflow-no-such-program` is not a program on PATH nor a file in the repository',
    );
    expect(run.stderr).toContain(
      '  environments.staging.start: `./scripts/start.sh` is not a file in the repository (looked for scripts/start.sh)',
    );
    const skipped = runCli(['config', 'validate', '--no-check-programs'], { cwd: repo.dir });
    expect(skipped.status).toBe(0);
    expect(JSON.parse(skipped.stdout).environments.staging.test).toEqual(['trunkflow-no-such-program', '--ci']);
  });

  it('says in --help what it checks', () => {
    const run = runCli(['config', 'validate', '--help'], { cwd: repoWith('').dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--no-check-programs');
    expect(run.stdout).toContain('must be on PATH');
  });
});

describe('the configuration reference', () => {
  it.each([
    ['environments', ENVIRONMENTS_EXAMPLE],
    ['command deployer', COMMAND_DEPLOYER_EXAMPLE],
  ])('shows a %s example that loads without issues', (_name, example) => {
    const config = configOf(example);
    expect(Object.keys(config.environments).length).toBeGreaterThan(0);
  });
});
