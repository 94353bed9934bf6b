// A PR whose required check fails, against a real server: `pr checks` exits 1 as `check` does, and the
// merge refusal names a `pr checks` command that runs exactly as printed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, gitWithToken, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const ADMIN_TOKEN = 'failed-checks-admin-token-0123456789';
const PROJECT = 'shop';
const BRANCH = 'feature/TF-2-stuff';
const BODY = '## User flows tested\n\n- [x] opened the shop\n';

const dirs = new TempDirs();
let server: RunningServer;
let home: string;

beforeAll(async () => {
  home = dirs.make('home');
  server = await startServer({ dataDir: dirs.make('data'), env: { TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN } });
});

afterAll(async () => {
  await server?.stop();
  dirs.removeAll();
});

function trunkflow(...args: string[]) {
  return runCliAsync(args, {
    env: { ...baseEnv(home), TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: ADMIN_TOKEN },
  });
}

function git(cwd: string, ...args: string[]): Promise<string> {
  return gitWithToken({ home, token: ADMIN_TOKEN, cwd, args, author: { name: 'Admin', email: 'admin@example.com' } });
}

describe('a pull request whose title-format check fails', () => {
  it('exits 1 from pr checks, and the merge refusal prints a pr checks command that runs as printed', async () => {
    const created = await trunkflow('project', 'create', PROJECT, '--format', 'json');
    expect(created.status, created.stderr).toBe(0);
    const clone = join(dirs.make('clone'), PROJECT);
    await git(home, 'clone', '--quiet', JSON.parse(created.stdout).gitUrl, clone);
    await git(clone, 'checkout', '--quiet', '-B', 'main');
    writeFileSync(join(clone, 'README.md'), '# Shop\n');
    await git(clone, 'add', '-A');
    await git(clone, 'commit', '--quiet', '-m', 'chore: initial commit');
    await git(clone, 'push', '--quiet', 'origin', 'main');
    await git(clone, 'checkout', '--quiet', '-b', BRANCH);
    writeFileSync(join(clone, 'README.md'), '# The shop\n');
    await git(clone, 'commit', '--quiet', '-am', 'reword the readme');
    await git(clone, 'push', '--quiet', 'origin', BRANCH);
    const bodyFile = join(dirs.make('body'), 'pr.md');
    writeFileSync(bodyFile, BODY);
    const opened = await trunkflow(
      'pr',
      'open',
      '--project',
      PROJECT,
      '--head',
      BRANCH,
      '--title',
      'reword the readme (TF-2)',
      '--body-file',
      bodyFile,
    );
    expect(opened.status, opened.stderr).toBe(0);

    const text = await trunkflow('pr', 'checks', '1', '--project', PROJECT);
    expect(text.stdout).toMatch(/^FAIL {2}title-format/m);
    expect(text.stdout).toContain('check failed');
    expect(text.status).toBe(1);
    const json = await trunkflow('pr', 'checks', '1', '--project', PROJECT, '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false });
    expect(json.status).toBe(1);

    const merge = await trunkflow('pr', 'merge', '1', '--project', PROJECT);
    expect(merge.status).toBe(1);
    const printed = /see `trunkflow (pr checks [^`]+)`/.exec(merge.stderr)?.[1];
    expect(printed, merge.stderr).toBe(`pr checks 1 --project ${PROJECT}`);
    const rerun = await trunkflow(...(printed ?? '').split(' '));
    expect(rerun.stderr).toBe('');
    expect(rerun.stdout).toContain('checks of #1');
    expect(rerun.status).toBe(1);
  });
});
