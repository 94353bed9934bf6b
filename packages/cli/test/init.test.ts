// `trunkflow init` and `trunkflow config`: the files written and the schema printed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, TempRepo } from './helpers/temp-repo.js';

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
