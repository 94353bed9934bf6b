// `trunkflow check` end to end: the built CLI on real temporary git repositories.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, lines, runCli, TempRepo } from './helpers/temp-repo.js';

const NOW = '2026-03-10T12:00:00Z';
const FLAGS = JSON.stringify({
  flags: { 'new-export': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
});

interface JsonResult {
  ok: boolean;
  findings: { id: string; status: string; message: string; details: Record<string, unknown> }[];
  facts: Record<string, unknown>;
}

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

/** An lcov report for one file: the first `covered` of `total` lines are hit. */
function lcov(path: string, covered: number, total: number): string {
  const records = Array.from({ length: total }, (_, i) => `DA:${i + 1},${i < covered ? 3 : 0}`);
  return `TN:\nSF:${path}\n${records.join('\n')}\nLF:${total}\nLH:${covered}\nend_of_record\n`;
}

function baseline(covered: number, total: number): string {
  return JSON.stringify({ version: 1, packages: { 'packages/app': { covered, total } } });
}

/** Trunk with one commit by Bob, and a feature branch by Alice adding `file` with `content`. */
function featureRepo(content: string): TempRepo {
  const repo = new TempRepo();
  repos.push(repo);
  repo.write('package.json', '{"name":"root","private":true,"workspaces":["packages/*"]}\n');
  repo.write('packages/app/package.json', '{"name":"app"}\n');
  repo.write('packages/app/src/base.ts', lines(10));
  repo.write('flags.json', FLAGS);
  repo.commit('chore: initial commit', BOB, '2026-03-09T10:00:00Z');
  repo.git('checkout', '-q', '-b', 'feature/TF-1-export');
  repo.write('packages/app/src/export.ts', content);
  repo.commit('feat: add export (TF-1)', ALICE, '2026-03-10T09:00:00Z');
  return repo;
}

function check(repo: TempRepo, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(['check', '--base', 'main', '--now', NOW, ...args], { cwd: repo.dir, env });
}

function statuses(result: JsonResult): Record<string, string> {
  return Object.fromEntries(result.findings.map((finding) => [finding.id, finding.status]));
}

describe('trunkflow check', () => {
  it('fails a 401-line unflagged feature with an unchecked checklist and falling coverage, naming exactly those rules', () => {
    const repo = featureRepo(lines(401));
    repo.write('pr.md', '## User flows tested\n\n- [x] opened the export page\n- [ ] downloaded a CSV\n');
    repo.write('coverage/lcov.info', lcov('packages/app/src/export.ts', 5, 10));
    repo.write('baseline.json', baseline(8, 10));
    const run = check(repo, [
      '--body-file',
      'pr.md',
      '--coverage',
      'coverage/lcov.info',
      '--baseline',
      'baseline.json',
      '--format',
      'json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result.ok).toBe(false);
    const failing = result.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id);
    expect(failing.sort()).toEqual(['coverage', 'feature-flag', 'pr-size', 'user-flow-checklist']);
    expect(statuses(result)).toMatchObject({
      'title-format': 'pass',
      'linked-task': 'pass',
      'daily-pr-limit': 'pass',
      'branch-age': 'pass',
    });
    const size = result.findings.find((finding) => finding.id === 'pr-size');
    expect(size?.details.total).toBe(401);
    expect(result.facts.pr).toMatchObject({ title: 'feat: add export (TF-1)', branch: 'feature/TF-1-export' });
    for (const finding of result.findings) expect(finding.message).not.toBe('');
  });

  it('passes a small flagged change with a complete checklist and steady coverage', () => {
    const repo = featureRepo(`${lines(150)}export const enabled = useFeatureFlag('new-export');\n`);
    repo.write('pr.md', '## User flows tested\n\n- [x] downloaded a CSV\n');
    repo.write('coverage/lcov.info', lcov('packages/app/src/export.ts', 9, 10));
    repo.write('baseline.json', baseline(8, 10));
    const run = check(repo, [
      '--body-file',
      'pr.md',
      '--coverage',
      'coverage/lcov.info',
      '--baseline',
      'baseline.json',
      '--format',
      'json',
    ]);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result.ok).toBe(true);
    expect(Object.values(statuses(result))).toEqual(Array(8).fill('pass'));
  });

  it('counts squash commits on trunk by the same author that day against the daily limit', () => {
    const repo = featureRepo(lines(10));
    repo.git('checkout', '-q', 'main');
    repo.write('other.ts', lines(3));
    repo.commit('fix: earlier fix (TF-0) (#4)', ALICE, '2026-03-10T08:00:00Z');
    repo.git('checkout', '-q', 'feature/TF-1-export');
    const result = JSON.parse(check(repo, ['--format', 'json']).stdout) as JsonResult;
    const finding = result.findings.find((f) => f.id === 'daily-pr-limit');
    expect(finding?.status).toBe('fail');
    expect(finding?.details.count).toBe(2);
  });

  it("does not count a new repository's setup commits as PRs, and says what it counted", () => {
    const repo = new TempRepo();
    repos.push(repo);
    repo.write('README.md', '# app\n');
    repo.commit('chore: initial commit', ALICE, '2026-03-10T08:00:00Z');
    repo.write('trunkflow.yml', 'trunk: main\n');
    repo.commit('chore: add trunkflow.yml', ALICE, '2026-03-10T08:10:00Z');
    repo.write('flags.json', FLAGS);
    repo.commit('chore: add flags', ALICE, '2026-03-10T08:20:00Z');
    repo.git('checkout', '-q', '-b', 'fix/TF-3-typo');
    repo.write('README.md', '# the app\n');
    repo.commit('fix: typo (TF-3)', ALICE, '2026-03-10T09:00:00Z');
    const result = JSON.parse(check(repo, ['--format', 'json']).stdout) as JsonResult;
    const finding = result.findings.find((f) => f.id === 'daily-pr-limit');
    expect(finding).toMatchObject({ status: 'pass', details: { count: 1, others: [] } });
    expect(finding?.message).toContain(`squash merges on main, whose subjects end in "(#n)"`);
  });

  it('prints a readable table without colours when stdout is not a terminal', () => {
    const repo = featureRepo(lines(10));
    const run = check(repo, []);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^PASS {2}title-format/m);
    expect(run.stdout).toMatch(/^FAIL {2}user-flow-checklist/m);
    expect(run.stdout).toContain('check failed');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('says in text output which config it used, or that the defaults apply', () => {
    const repo = featureRepo(lines(10));
    const defaults = check(repo, []);
    expect(defaults.stdout).toMatch(
      /^config: the defaults \(no trunkflow\.yml at the repository root; `trunkflow init` writes one\)\n\nPASS/,
    );
    repo.write('trunkflow.yml', 'trunk: main\n');
    expect(check(repo, []).stdout).toMatch(/^config: trunkflow\.yml\n/);
    repo.write('ci/rules.yml', 'trunk: main\n');
    expect(check(repo, ['--config', 'ci/rules.yml']).stdout).toMatch(/^config: ci\/rules\.yml\n/);
    expect(JSON.parse(check(repo, ['--format', 'json']).stdout).config).toBe('trunkflow.yml');
  });

  it('reads the title, body and base from a GitHub pull_request event and writes the job summary', () => {
    const repo = featureRepo(`${lines(5)}useFeatureFlag('new-export');\n`);
    const event = {
      pull_request: {
        title: 'feat: export from the event (TF-1)',
        body: '## User flows tested\n- [x] exported',
        base: { ref: 'main', sha: repo.git('rev-parse', 'main').trim() },
        head: { ref: 'feature/TF-1-export', sha: repo.git('rev-parse', 'HEAD').trim() },
      },
    };
    writeFileSync(join(repo.dir, 'event.json'), JSON.stringify(event));
    const summary = join(repo.dir, 'summary.md');
    const run = runCli(['check', '--now', NOW, '--format', 'github'], {
      cwd: repo.dir,
      env: { GITHUB_EVENT_PATH: join(repo.dir, 'event.json'), GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.status).toBe(0);
    expect(readFileSync(summary, 'utf8')).toContain('### Trunkflow check: passed');
    expect(readFileSync(summary, 'utf8')).toContain('| ✅ pass | `user-flow-checklist` |');
  });

  it('annotates failures for GitHub with workflow commands', () => {
    const repo = featureRepo(lines(10));
    const run = check(repo, ['--format', 'github', '--title', 'add stuff']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error title=trunkflow title-format::"add stuff" is not a Conventional Commit/m);
  });
});

describe('trunkflow check on bad input', () => {
  function expectUsageError(run: ReturnType<typeof runCli>, message: RegExp): void {
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  }

  it('rejects a missing config file', () => {
    const repo = featureRepo(lines(1));
    expectUsageError(check(repo, ['--config', 'missing.yml']), /missing\.yml: config file not found: .*trunkflow init/);
  });

  it('rejects invalid YAML with the line', () => {
    const repo = featureRepo(lines(1));
    repo.write('trunkflow.yml', 'rules:\n  pr-size: [unclosed\n');
    expectUsageError(check(repo, []), /trunkflow\.yml:\d+:\d+: invalid YAML/);
  });

  it('rejects a wrong value with its key path', () => {
    const repo = featureRepo(lines(1));
    repo.write('trunkflow.yml', 'rules:\n  pr-size:\n    failAbove: lots\n');
    expectUsageError(
      check(repo, []),
      /trunkflow\.yml: invalid configuration:\n {2}rules\.pr-size\.failAbove: .*number/,
    );
  });

  it('names an empty rule key and what to write, and what it says to write is valid', () => {
    const repo = featureRepo(lines(1));
    repo.write('trunkflow.yml', 'rules: { pr-size: }\n');
    const run = check(repo, []);
    expectUsageError(
      run,
      /trunkflow\.yml: invalid configuration:\n {2}rules\.pr-size: is empty; write `pr-size: \{ warnAbove: 200, failAbove: 400 \}` or remove the key\n/,
    );
    const written = /write `([^`]+)`/.exec(run.stderr)?.[1] ?? '';
    repo.write('trunkflow.yml', `rules: { ${written} }\n`);
    const fixed = check(repo, ['--format', 'json']);
    expect(fixed.stderr).toBe('');
    expect(JSON.parse(fixed.stdout).config).toBe('trunkflow.yml');
  });

  it('explains a config file that is not a mapping, with what to write', () => {
    const repo = featureRepo(lines(1));
    repo.write('trunkflow.yml', '- pr-size\n');
    expectUsageError(
      check(repo, []),
      /trunkflow\.yml: the file must hold a mapping of settings, one `key: value` a line such as `trunk: main`/,
    );
  });

  it('rejects an unknown rule id and lists the known ones', () => {
    const repo = featureRepo(lines(1));
    repo.write('trunkflow.yml', 'rules:\n  pr-sise:\n    failAbove: 10\n');
    expectUsageError(check(repo, []), /rules\.pr-sise: unknown rule id "pr-sise": known rules are pr-size, /);
  });

  it('rejects a malformed coverage file', () => {
    const repo = featureRepo(lines(1));
    repo.write('broken.xml', '<coverage><packages><package');
    expectUsageError(check(repo, ['--coverage', 'broken.xml']), /broken\.xml: /);
  });

  it('rejects a directory that is not a git repository', () => {
    const repo = featureRepo(lines(1));
    const outside = join(repo.dir, '..');
    const run = runCli(['check'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: outside } });
    expectUsageError(run, /is not inside a git work tree/);
  });

  it('rejects a ref that does not exist', () => {
    const repo = featureRepo(lines(1));
    expectUsageError(check(repo, ['--head', 'feature/nope']), /head ref "feature\/nope" does not name a commit/);
    expectUsageError(runCli(['check', '--base', 'origin/nope'], { cwd: repo.dir }), /base ref "origin\/nope"/);
  });

  it('lists the branches of a repository with no remote when --base names a remote branch', () => {
    const repo = featureRepo(lines(1));
    expectUsageError(
      runCli(['check', '--base', 'origin/main'], { cwd: repo.dir }),
      /base ref "origin\/main" does not name a commit in this repository: no remote named origin; this repository's branches are: feature\/TF-1-export, main; pass --base main\n/,
    );
  });

  it('says how to fetch a branch the remote has but this clone lacks, and the command works as printed', () => {
    const upstream = featureRepo(lines(1));
    upstream.git('branch', 'develop', 'main');
    const clone = new TempRepo();
    repos.push(clone);
    clone.git('remote', 'add', 'origin', upstream.dir);
    clone.git('fetch', '-q', 'origin', 'feature/TF-1-export');
    clone.git('checkout', '-q', '-b', 'feature/TF-1-export', 'FETCH_HEAD');
    const run = runCli(['check', '--base', 'origin/develop', '--now', NOW], { cwd: clone.dir, env: clone.env });
    expectUsageError(run, /origin\/develop is not fetched: run `git fetch origin develop`/);
    const printed = /run `git (fetch origin develop)`/.exec(run.stderr)?.[1]?.split(' ') ?? [];
    clone.git(...printed);
    const after = runCli(['check', '--base', 'origin/develop', '--now', NOW, '--format', 'json'], {
      cwd: clone.dir,
      env: clone.env,
    });
    expect(after.stderr).toBe('');
    expect(JSON.parse(after.stdout).facts.base).toBe('origin/develop');
  });

  it('rejects a base that shares no history with the head', () => {
    const repo = featureRepo(lines(1));
    repo.git('checkout', '-q', '--orphan', 'unrelated');
    repo.commit('chore: unrelated root', ALICE, '2026-03-10T09:00:00Z');
    expectUsageError(check(repo, []), /main and HEAD share no history: pass a --base that HEAD was branched from/);
  });

  it('rejects an unknown option and a bad --now', () => {
    const repo = featureRepo(lines(1));
    expectUsageError(check(repo, ['--frobnicate']), /unknown option '--frobnicate'/);
    expectUsageError(
      runCli(['check', '--now', 'yesterday'], { cwd: repo.dir }),
      /--now "yesterday" is not an ISO-8601 time/,
    );
    expectUsageError(check(repo, ['--format', 'xml']), /argument 'xml' is invalid/);
  });
});
