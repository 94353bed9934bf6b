// Issue 3's scripting path end to end: the built CLI, a real server process and the real git client over HTTP.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  freePort,
  gitWithToken,
  type RunningServer,
  runCliAsync,
  startServer,
  TempDirs,
} from './helpers/server.js';

const ADMIN_TOKEN = 'scripting-admin-token-0123456789';
const PROJECT = 'shop';
const BRANCH = 'feature/TF-1-x';
const TITLE = 'fix: keep the cart when the session expires (TF-1)';
const BODY = `Keeps the cart across a session timeout.

## User flows tested

- [x] added two items, let the session expire, and found them still in the cart
`;

const dirs = new TempDirs();
let server: RunningServer;
let port: number;
let home: string;

beforeAll(async () => {
  port = await freePort();
  home = dirs.make('home');
  server = await startServer({
    dataDir: dirs.make('data'),
    port: String(port),
    env: { TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN },
  });
});

afterAll(async () => {
  await server?.stop();
  dirs.removeAll();
});

/** `trunkflow …` as the holder of `token`, exactly as a script would call it. */
function trunkflow(token: string, ...args: string[]) {
  return runCliAsync(args, {
    env: { ...baseEnv(home), TRUNKFLOW_SERVER: `http://localhost:${port}`, TRUNKFLOW_TOKEN: token },
  });
}

/** The real git client, authenticating over HTTP with the token as the basic-auth password. */
function git(token: string, cwd: string, ...args: string[]): Promise<string> {
  return gitWithToken({ home, token, cwd, args, author: { name: 'Script', email: 'script@example.com' } });
}

function json(run: { status: number | null; stdout: string; stderr: string }, what: string) {
  expect(run.status, `${what} failed:\n${run.stderr}${run.stdout}`).toBe(0);
  return JSON.parse(run.stdout);
}

describe('the scripting path (issue 3, section 7)', () => {
  it('runs create → clone → push → PR → checks → reviews → merge, and the event log tells it in order', async () => {
    // The server was started as `TRUNKFLOW_ADMIN_TOKEN=<t> trunkflow serve --port <P> --data-dir <D>`.
    expect(server.url).toBe(`http://localhost:${port}`);
    expect(server.adminToken).toBeNull();

    const dev1 = json(
      await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'create', 'dev-one', '--role', 'developer', '--format', 'json'),
      'admin user create dev-one',
    );
    expect(dev1).toMatchObject({ user: { name: 'dev-one', role: 'developer' }, token: expect.any(String) });
    const dev2 = json(
      await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'create', 'dev-two', '--role', 'developer', '--format', 'json'),
      'admin user create dev-two',
    );

    // 1. Create a project and clone it.
    const project = json(
      await trunkflow(ADMIN_TOKEN, 'project', 'create', PROJECT, '--format', 'json'),
      'project create',
    );
    expect(project).toMatchObject({ name: PROJECT, gitUrl: `http://localhost:${port}/git/${PROJECT}.git` });
    const adminClone = join(dirs.make('admin'), PROJECT);
    await git(ADMIN_TOKEN, home, 'clone', '--quiet', project.gitUrl, adminClone);

    // 2. Push an initial commit to trunk as an admin.
    await git(ADMIN_TOKEN, adminClone, 'checkout', '--quiet', '-B', 'main');
    writeFileSync(join(adminClone, 'README.md'), '# Shop\n');
    mkdirSync(join(adminClone, 'src'));
    writeFileSync(join(adminClone, 'src', 'cart.ts'), 'export const cart: string[] = [];\n');
    await git(ADMIN_TOKEN, adminClone, 'add', '-A');
    await git(ADMIN_TOKEN, adminClone, 'commit', '--quiet', '-m', 'chore: initial commit');
    await git(ADMIN_TOKEN, adminClone, 'push', '--quiet', 'origin', 'main');
    const initial = (await git(ADMIN_TOKEN, adminClone, 'rev-parse', 'HEAD')).trim();

    // 3. Push feature/TF-1-x as a developer and open a PR.
    const devClone = join(dirs.make('dev'), PROJECT);
    await git(dev1.token, home, 'clone', '--quiet', project.gitUrl, devClone);
    await git(dev1.token, devClone, 'checkout', '--quiet', '-b', BRANCH);
    writeFileSync(
      join(devClone, 'src', 'cart.ts'),
      'export const cart: string[] = [];\nexport function restore(saved: string[]): void {\n  cart.push(...saved);\n}\n',
    );
    await git(dev1.token, devClone, 'commit', '--quiet', '-am', TITLE);
    await git(dev1.token, devClone, 'push', '--quiet', 'origin', BRANCH);
    const head = (await git(dev1.token, devClone, 'rev-parse', 'HEAD')).trim();
    const bodyFile = join(dirs.make('body'), 'pr.md');
    writeFileSync(bodyFile, BODY);
    const pull = json(
      await trunkflow(
        dev1.token,
        'pr',
        'open',
        '--project',
        PROJECT,
        '--head',
        BRANCH,
        '--title',
        TITLE,
        '--body-file',
        bodyFile,
        '--format',
        'json',
      ),
      'pr open',
    );
    expect(pull).toMatchObject({ number: 1, title: TITLE, state: 'open', head: BRANCH, author: 'dev-one' });
    const number = String(pull.number);

    // 4. The checks run and are readable.
    const checks = json(
      await trunkflow(dev1.token, 'pr', 'checks', number, '--project', PROJECT, '--format', 'json'),
      'pr checks',
    );
    expect(checks.sha).toBe(head);
    expect(checks.findings.length).toBeGreaterThan(0);
    for (const finding of checks.findings) {
      expect(finding).toMatchObject({
        id: expect.any(String),
        status: expect.any(String),
        message: expect.any(String),
      });
    }
    expect(checks.ok, JSON.stringify(checks.findings, null, 2)).toBe(true);
    const text = await trunkflow(dev1.token, 'pr', 'checks', number, '--project', PROJECT);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`checks of #1 at ${head.slice(0, 7)}`);
    expect(text.stdout).toMatch(/PASS {2}title-format/);
    expect(text.stdout).toContain('check passed');

    // A merge the gate blocks (no approval yet) exits 1 with the server's reasons.
    const blocked = await trunkflow(dev1.token, 'pr', 'merge', number, '--project', PROJECT, '--format', 'json');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toBe('');
    expect(blocked.stderr).toMatch(/^trunkflow: pull request #1 cannot be merged: /);
    expect(blocked.stderr).toMatch(/\n {2}- .*approv/);

    // 5. A self-approval is refused; a second developer approves.
    const self = await trunkflow(dev1.token, 'pr', 'approve', number, '--project', PROJECT);
    expect(self.status).toBe(1);
    expect(self.stderr).toBe('trunkflow: you cannot approve your own pull request: ask another developer\n');
    const approve = await trunkflow(dev2.token, 'pr', 'approve', number, '--project', PROJECT);
    expect(approve.status, approve.stderr).toBe(0);
    expect(approve.stdout).toBe('approved #1\n');

    // 6. Merge. Trunk now has exactly one new commit, with the PR title and (#1); the branch is gone.
    const merged = json(
      await trunkflow(dev1.token, 'pr', 'merge', number, '--project', PROJECT, '--format', 'json'),
      'pr merge',
    );
    expect(merged).toMatchObject({ merged: true, sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    await git(ADMIN_TOKEN, adminClone, 'fetch', '--quiet', '--prune', 'origin');
    expect((await git(ADMIN_TOKEN, adminClone, 'rev-parse', 'origin/main')).trim()).toBe(merged.sha);
    expect((await git(ADMIN_TOKEN, adminClone, 'rev-list', '--count', `${initial}..origin/main`)).trim()).toBe('1');
    expect((await git(ADMIN_TOKEN, adminClone, 'rev-parse', 'origin/main^')).trim()).toBe(initial);
    expect((await git(ADMIN_TOKEN, adminClone, 'log', '-1', '--format=%s', 'origin/main')).trim()).toBe(
      `${TITLE} (#1)`,
    );
    expect(await git(ADMIN_TOKEN, adminClone, 'show', 'origin/main:src/cart.ts')).toContain('export function restore');
    const heads = await git(ADMIN_TOKEN, adminClone, 'ls-remote', '--heads', 'origin');
    expect(heads).toContain('refs/heads/main');
    expect(heads).not.toContain(BRANCH);
    const view = json(
      await trunkflow(dev1.token, 'pr', 'view', number, '--project', PROJECT, '--format', 'json'),
      'pr view',
    );
    expect(view).toMatchObject({ state: 'merged', mergeSha: merged.sha });

    // 7. The event log holds push, pull_request.opened, check.completed, review.submitted and pull_request.merged, in order.
    const response = await fetch(`${server.url}/api/events?project=${PROJECT}&limit=1000`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const { events } = (await response.json()) as { events: { id: number; type: string; actor: string | null }[] };
    const wanted = ['push', 'pull_request.opened', 'check.completed', 'review.submitted', 'pull_request.merged'];
    const types = events.map((event) => event.type);
    const firsts = wanted.map((type) => types.indexOf(type));
    expect(
      firsts.every((index) => index >= 0),
      `event types: ${types.join(', ')}`,
    ).toBe(true);
    expect(
      [...firsts].sort((a, b) => a - b),
      `event types: ${types.join(', ')}`,
    ).toEqual(firsts);
    expect(types.indexOf('pull_request.merged')).toBeGreaterThan(types.lastIndexOf('review.submitted'));
    // The refused self-approval left no review behind.
    expect(events.filter((event) => event.type === 'review.submitted').map((event) => event.actor)).toEqual([
      'dev-two',
    ]);
    const ids = events.map((event) => event.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('creates users with an e-mail, edits a PR with `pr edit`, and the squash commit carries the author and co-author', async () => {
    const ana = json(
      await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'create', 'ana', '--email', 'ana@example.com', '--format', 'json'),
      'admin user create --email',
    );
    expect(ana.user).toMatchObject({ name: 'ana', email: 'ana@example.com', role: 'developer' });
    const ben = json(await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'create', 'ben', '--format', 'json'), 'ben');
    expect(ben.user.email).toBe('ben@trunkflow.local');
    const updated = await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'update', 'ben', '--email', 'ben@example.com');
    expect(updated.status, updated.stderr).toBe(0);
    expect(updated.stdout).toBe('updated user ben: e-mail ben@example.com\n');
    const list = await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'list');
    expect(list.stdout).toMatch(/ben\s+ben@example\.com\s+developer/);
    const bad = await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'update', 'ben', '--email', 'ben at example');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--email "ben at example" is not an e-mail address');
    const none = await trunkflow(ADMIN_TOKEN, 'admin', 'user', 'update', 'ben');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("required option '--email <address>'");

    const project = json(await trunkflow(ADMIN_TOKEN, 'project', 'create', 'edits', '--format', 'json'), 'project');
    const adminClone = join(dirs.make('admin'), 'edits');
    await git(ADMIN_TOKEN, home, 'clone', '--quiet', project.gitUrl, adminClone);
    await git(ADMIN_TOKEN, adminClone, 'checkout', '--quiet', '-B', 'main');
    writeFileSync(join(adminClone, 'README.md'), '# Edits\n');
    await git(ADMIN_TOKEN, adminClone, 'add', '-A');
    await git(ADMIN_TOKEN, adminClone, 'commit', '--quiet', '-m', 'chore: initial commit');
    await git(ADMIN_TOKEN, adminClone, 'push', '--quiet', 'origin', 'main');

    // Ana commits; a second commit on her branch is by someone else, who becomes a co-author.
    const work = join(dirs.make('ana'), 'edits');
    await git(ana.token, home, 'clone', '--quiet', project.gitUrl, work);
    await git(ana.token, work, 'checkout', '--quiet', '-b', 'feature/TF-7-notes');
    writeFileSync(join(work, 'notes.md'), 'notes\n');
    await git(ana.token, work, 'add', '-A');
    await git(ana.token, work, 'commit', '--quiet', '-m', 'notes', '--author=Ana <ana@example.com>');
    writeFileSync(join(work, 'more.md'), 'more\n');
    await git(ana.token, work, 'add', '-A');
    await git(ana.token, work, 'commit', '--quiet', '-m', 'more', '--author=Zoe Pair <zoe@example.com>');
    await git(ana.token, work, 'push', '--quiet', 'origin', 'feature/TF-7-notes');
    const opened = json(
      await trunkflow(
        ana.token,
        ...['pr', 'open', '--project', 'edits', '--head', 'feature/TF-7-notes', '--title', 'fix: notes (TF-7)'],
        ...['--format', 'json'],
      ),
      'pr open',
    );
    const number = String(opened.number);

    // --body-file resolves against the caller's working directory.
    writeFileSync(join(work, 'pr.md'), BODY);
    const edit = await runCliAsync(
      ['pr', 'edit', number, '--project', 'edits', '--title', 'fix: keep notes (TF-7)', '--body-file', 'pr.md'],
      {
        env: { ...baseEnv(home), TRUNKFLOW_SERVER: `http://localhost:${port}`, TRUNKFLOW_TOKEN: ana.token },
        cwd: work,
      },
    );
    expect(edit.status, edit.stderr).toBe(0);
    expect(edit.stdout).toBe(`edited #${number} fix: keep notes (TF-7)\n`);
    const view = json(
      await trunkflow(ana.token, 'pr', 'view', number, '--project', 'edits', '--format', 'json'),
      'view',
    );
    expect(view).toMatchObject({ title: 'fix: keep notes (TF-7)', body: BODY });

    const nothing = await trunkflow(ana.token, 'pr', 'edit', number, '--project', 'edits');
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('nothing to change: give --title, --body-file or both');
    const byBen = await trunkflow(ben.token, 'pr', 'edit', number, '--project', 'edits', '--title', 'fix: mine');
    expect(byBen.status).toBe(1);
    expect(byBen.stderr).toContain('only the author (ana) or a maintainer may edit pull request');
    const approve = await trunkflow(ben.token, 'pr', 'approve', number, '--project', 'edits');
    expect(approve.status, approve.stderr).toBe(0);
    const merged = json(
      await trunkflow(ana.token, 'pr', 'merge', number, '--project', 'edits', '--format', 'json'),
      'pr merge',
    );
    await git(ADMIN_TOKEN, adminClone, 'fetch', '--quiet', 'origin');
    expect((await git(ADMIN_TOKEN, adminClone, 'log', '-1', '--format=%an <%ae>', merged.sha)).trim()).toBe(
      'ana <ana@example.com>',
    );
    expect(await git(ADMIN_TOKEN, adminClone, 'log', '-1', '--format=%B', merged.sha)).toBe(
      `fix: keep notes (TF-7) (#${number})\n\n${BODY.trim()}\n\nCo-authored-by: Zoe Pair <zoe@example.com>\n\n`,
    );
  });
});
