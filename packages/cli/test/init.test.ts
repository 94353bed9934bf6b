// `trunkflow init` and `trunkflow config`: the files written and the schema printed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, runCli, TempRepo } from './helpers/temp-repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

function repo(): TempRepo {
  const created = new TempRepo();
  repos.push(created);
  return created;
}

describe('trunkflow init', () => {
  it('writes a config that validates to the defaults and a PR template with the checklist section', () => {
    const target = repo();
    const run = runCli(['init'], { cwd: target.dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('wrote trunkflow.yml');
    const template = readFileSync(join(target.dir, '.github/pull_request_template.md'), 'utf8');
    expect(template).toMatch(/^## User flows tested$/m);
    const written = runCli(['config', 'validate'], { cwd: target.dir });
    expect(written.status).toBe(0);
    const defaults = runCli(['config', 'validate', 'absent.yml'], { cwd: target.dir });
    expect(defaults.status).toBe(2);
    const config = JSON.parse(written.stdout);
    expect(config.rules['pr-size']).toMatchObject({ warnAbove: 200, failAbove: 400 });
    expect(config.rules['linked-task'].pattern).toBe('[A-Z][A-Z0-9]+-\\d+');
  });

  it('writes the three environments of a Node app, production watched by a monitoring window', () => {
    const target = repo();
    target.write('package.json', '{ "name": "shop", "scripts": { "start": "node server.js" } }\n');
    const init = runCli(['init'], { cwd: target.dir });
    expect(init.status).toBe(0);
    expect(init.stdout).not.toContain('no package.json');
    const written = readFileSync(join(target.dir, 'trunkflow.yml'), 'utf8');
    expect(written).toMatch(/^environments:$/m);
    const validated = runCli(['config', 'validate'], { cwd: target.dir });
    expect(validated.stderr).toBe('');
    expect(validated.status).toBe(0);
    const { environments } = JSON.parse(validated.stdout);
    expect(Object.keys(environments)).toEqual(['preview', 'staging', 'production']);
    const node = { deployer: 'process', install: ['npm', 'ci'], build: 'auto', start: ['npm', 'start'] };
    expect(environments.preview).toMatchObject({ ...node, healthPath: '/healthz', ttl: '14d' });
    expect(environments.staging).toMatchObject({ ...node, test: false });
    expect(environments.production).toMatchObject(node);
    expect(environments.production.monitor).toEqual({
      duration: '30m',
      interval: '1m',
      failureLimit: 0,
      inconclusiveLimit: 3,
      consecutiveErrorLimit: 4,
      checks: [{ provider: 'http', path: '/healthz', status: 200, maxLatency: '5s' }],
    });
    // The commented checks are examples that load once uncommented.
    const uncommented = written.replace(/^( {8})# (- provider| {2})/gm, '$1$2');
    expect(uncommented).not.toBe(written);
    target.write('trunkflow.yml', uncommented);
    const examples = runCli(['config', 'validate'], { cwd: target.dir });
    expect(examples.status).toBe(0);
    expect(
      JSON.parse(examples.stdout).environments.production.monitor.checks.map(
        (check: { provider: string }) => check.provider,
      ),
    ).toEqual(['http', 'logs', 'prometheus']);
  });

  it('comments the environments out where there is no package.json, so a server deploys nothing, and they load once uncommented', () => {
    const target = repo();
    const init = runCli(['init'], { cwd: target.dir });
    expect(init.status).toBe(0);
    expect(init.stdout).toContain('no package.json here: the environments in trunkflow.yml are commented out');
    const written = readFileSync(join(target.dir, 'trunkflow.yml'), 'utf8');
    expect(written).not.toMatch(/^environments:$/m);
    const validated = runCli(['config', 'validate'], { cwd: target.dir });
    expect(validated.status).toBe(0);
    expect(JSON.parse(validated.stdout).environments).toEqual({});
    // Remove one "# " from each line after the notice, as the notice says.
    const notice = written.indexOf('# No package.json');
    const section = written.slice(notice).split('\n').slice(2).join('\n');
    target.write('trunkflow.yml', written.slice(0, notice) + section.replace(/^# /gm, ''));
    const uncommented = runCli(['config', 'validate'], { cwd: target.dir });
    expect(uncommented.stderr).toBe('');
    expect(Object.keys(JSON.parse(uncommented.stdout).environments)).toEqual(['preview', 'staging', 'production']);
  });

  it('refuses to overwrite without --force and writes nothing', () => {
    const target = repo();
    target.write('trunkflow.yml', 'trunk: develop\n');
    const run = runCli(['init'], { cwd: target.dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('trunkflow.yml already exists: nothing written; rerun with --force');
    expect(readFileSync(join(target.dir, 'trunkflow.yml'), 'utf8')).toBe('trunk: develop\n');
    expect(existsSync(join(target.dir, '.github/pull_request_template.md'))).toBe(false);
    expect(runCli(['init', '--force'], { cwd: target.dir }).status).toBe(0);
    expect(readFileSync(join(target.dir, 'trunkflow.yml'), 'utf8')).toContain('trunk: main');
  });
});

describe('trunkflow init, then a first feat PR', () => {
  const NOW = '2026-03-10T12:00:00Z';

  /** A repository set up with `init`, and a feat branch whose PR body is the template as is. */
  function initialised(change: string): TempRepo {
    const target = repo();
    expect(runCli(['init'], { cwd: target.dir }).stdout).toContain('wrote flags.json');
    target.commit('chore: set up trunkflow', ALICE, '2026-03-09T09:00:00Z');
    target.git('checkout', '-q', '-b', 'feature/TF-1-export');
    target.write('src/export.ts', change);
    target.commit('feat: add export (TF-1)', ALICE, '2026-03-10T09:00:00Z');
    return target;
  }

  function findings(target: TempRepo) {
    const run = runCli(
      ['check', '--base', 'main', '--now', NOW, '--format', 'json', '--body-file', '.github/pull_request_template.md'],
      { cwd: target.dir },
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { findings: { id: string; status: string; message: string }[] };
    return Object.fromEntries(result.findings.map((finding) => [finding.id, finding]));
  }

  it('writes a flagd flags.json with one disabled kebab-case flag', () => {
    const target = repo();
    runCli(['init'], { cwd: target.dir });
    expect(JSON.parse(readFileSync(join(target.dir, 'flags.json'), 'utf8'))).toEqual({
      $schema: 'https://flagd.dev/schema/v0/flags.json',
      flags: { 'example-flag': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
    });
  });

  it('names flags.json and how to add a flag to it when the feat PR uses none', () => {
    const found = findings(initialised('export const x = 1;\n'));
    expect(found['feature-flag']?.status).toBe('fail');
    expect(found['feature-flag']?.message).toContain(
      'declare the flag in flags.json: add it under "flags" in flags.json, e.g. "my-flag": {"state":"DISABLED"',
    );
  });

  it("passes feature-flag with the example flag, and asks to replace the template's placeholder flow", () => {
    const found = findings(initialised("export const on = useFeatureFlag('example-flag');\n"));
    expect(found['feature-flag']?.status).toBe('pass');
    expect(found['user-flow-checklist']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('replace the placeholder with the flows you tested'),
    });
    expect(found['user-flow-checklist']?.message).not.toContain('add "## User flows tested"');
  });

  it('keeps an existing flags.json, even with --force', () => {
    const target = repo();
    target.write('flags.json', '{"flags":{}}\n');
    const run = runCli(['init', '--force'], { cwd: target.dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('kept flags.json, which already exists');
    expect(readFileSync(join(target.dir, 'flags.json'), 'utf8')).toBe('{"flags":{}}\n');
  });
});

describe('trunkflow config schema', () => {
  it('prints the JSON Schema of trunkflow.yml', () => {
    const run = runCli(['config', 'schema'], { cwd: repo().dir });
    expect(run.status).toBe(0);
    const schema = JSON.parse(run.stdout);
    expect(schema.properties.rules.properties['pr-size'].properties.failAbove.default).toBe(400);
    expect(schema.properties.rules.additionalProperties).toBe(false);
  });
});

describe('trunkflow config docs', () => {
  it('matches docs/configuration.md, so the reference never goes stale', () => {
    const run = runCli(['config', 'docs'], { cwd: repo().dir });
    expect(run.status).toBe(0);
    const committed = readFileSync(join(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
    expect(run.stdout, 'docs/configuration.md is stale: run `npx trunkflow config docs > docs/configuration.md`').toBe(
      committed,
    );
  });
});
