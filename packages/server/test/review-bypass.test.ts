// Two-person review through real HTTP and the real git client: pushers cannot approve, PR branches are protected, squash authorship.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

const BODY = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the page\n';

interface Reason {
  code: string;
  message: string;
}
interface Gate {
  mergeable: boolean;
  reasons: Reason[];
  headSha: string;
  approvals: number;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { reasons?: Reason[] } };
}

describe.each(testDatabases())('two-person review on $name', (kind) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const clients: GitClient[] = [];

  beforeAll(async () => {
    server = await startServer(kind);
    const people: [string, string, string][] = [
      ['alice', 'developer', 'alice@example.com'],
      ['bob', 'developer', 'bob@example.com'],
      ['carol', 'developer', 'carol@example.com'],
      ['mia', 'maintainer', 'mia@example.com'],
    ];
    for (const [name, role, email] of people) {
      const created = await server.api<{ token: string }>('POST', '/api/admin/users', { body: { name, role, email } });
      expect(created.status).toBe(201);
      tokens[name] = created.body.token;
    }
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
    const admin = await clone(ADMIN_TOKEN);
    writeFileSync(join(admin.dir, 'README.md'), '# shop\n');
    // One author opens several PRs here today.
    writeFileSync(join(admin.dir, 'trunkflow.yml'), 'rules:\n  daily-pr-limit:\n    max: 20\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'chore: initial commit');
    await admin.git('push', '-q', 'origin', 'HEAD:main');
  });

  afterAll(async () => {
    for (const client of clients) client.remove();
    await server?.stop();
  });

  async function clone(token: string): Promise<GitClient> {
    const client = new GitClient();
    clients.push(client);
    await client.git('clone', '-q', authedGitUrl(server.url, 'shop', token), '.');
    return client;
  }

  /** Commits one file as `author` ("Name <email>") on the current branch. */
  async function commit(client: GitClient, file: string, author: string): Promise<string> {
    writeFileSync(join(client.dir, file), `${file}\n`);
    await client.git('add', '.');
    await client.git('commit', '-qm', `work on ${file}`, `--author=${author}`);
    return (await client.git('rev-parse', 'HEAD')).trim();
  }

  const pulls = '/api/projects/shop/pulls';
  const as = (name: string) => ({ token: tokens[name] });

  async function open(client: GitClient, branch: string, title: string): Promise<number> {
    await client.git('push', '-q', 'origin', `HEAD:${branch}`);
    const opened = await server.api<{ number: number }>('POST', pulls, {
      ...as('alice'),
      body: { head: branch, title, body: BODY },
    });
    expect(opened.status).toBe(201);
    return opened.body.number;
  }

  async function approve(name: string, number: number): Promise<void> {
    const review = await server.api('POST', `${pulls}/${number}/reviews`, {
      ...as(name),
      body: { verdict: 'approve' },
    });
    expect(review.status).toBe(201);
  }

  /**
   * The gate once the service applied the push that moved the head to `sha`: the hook records the
   * push before git moves the ref, the PR's head follows just after the push returns.
   */
  async function gateAt(number: number, sha: string): Promise<Gate> {
    for (let attempt = 0; attempt < 200; attempt++) {
      // Checks first: once they are at the sha, the gate read after them sees them too.
      const checks = await server.api<{ sha: string; status: string }>('GET', `${pulls}/${number}/checks`);
      const gate = await server.api<Gate>('GET', `${pulls}/${number}/mergeability`);
      if (gate.body.headSha === sha && checks.body.sha === sha && checks.body.status === 'completed') return gate.body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`pull request #${number} never reached ${sha}`);
  }

  it('refuses the merge when the approver force-pushed to the PR, naming the rule; a reviewer who never pushed unblocks it', async () => {
    const alice = await clone(tokens.alice ?? '');
    await alice.git('switch', '-qc', 'feature/TF-1-export');
    await commit(alice, 'export.txt', 'Alice Liddell <alice@example.com>');
    const number = await open(alice, 'feature/TF-1-export', 'fix: export (TF-1)');

    // Bob rewrites Alice's branch with his own commits, approves it and tries to merge it alone.
    const bob = await clone(tokens.bob ?? '');
    await bob.git('fetch', '-q', 'origin', 'feature/TF-1-export');
    await bob.git('switch', '-qc', 'feature/TF-1-export', 'FETCH_HEAD');
    await bob.git(
      'commit',
      '-q',
      '--amend',
      '-m',
      'work on export.txt, better',
      '--author=Bob Builder <bob@example.com>',
    );
    await commit(bob, 'bob.txt', 'Bob Builder <bob@example.com>');
    const bobHead = await commit(bob, 'bob2.txt', 'Bob Builder <bob@example.com>');
    // A paired commit: its own trailer names a third author.
    await bob.git(
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'pair on it',
      '-m',
      'Co-authored-by: Zoe Pair <zoe@example.com>',
      '--author=Bob Builder <bob@example.com>',
    );
    await commit(bob, 'dup.txt', 'Alice <ALICE@example.com>');
    const head = (await bob.git('rev-parse', 'HEAD')).trim();
    expect(head).not.toBe(bobHead);
    await bob.git('push', '-q', '--force', 'origin', 'HEAD:feature/TF-1-export');
    await gateAt(number, head);
    await approve('bob', number);

    const refused = await server.api<ErrorBody>('POST', `${pulls}/${number}/merge`, as('bob'));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(
      `an approval must come from someone who did not push to this PR: bob made the latest push (${head.slice(0, 7)}), so bob's approval does not count: ask another reviewer`,
    );
    expect(refused.body.error.details?.reasons?.map((reason) => reason.code)).toEqual([
      'approvals-missing',
      'approval-from-pusher',
    ]);
    const trunkBefore = (await bob.git('ls-remote', 'origin', 'refs/heads/main')).split('\t')[0];

    // Alice cannot approve (she is the author); Carol, who never pushed, can.
    const self = await server.api<ErrorBody>('POST', `${pulls}/${number}/reviews`, {
      ...as('alice'),
      body: { verdict: 'approve' },
    });
    expect(self.status).toBe(403);
    await approve('carol', number);
    const gate = await server.api<Gate>('GET', `${pulls}/${number}/mergeability`);
    expect(gate.body).toMatchObject({ mergeable: true, reasons: [], approvals: 1 });

    const merged = await server.api<{ sha: string }>('POST', `${pulls}/${number}/merge`, as('bob'));
    expect(merged.status).toBe(200);
    await alice.git('fetch', '-q', 'origin', 'main');
    expect((await alice.git('rev-parse', 'FETCH_HEAD^')).trim()).toBe(trunkBefore);
    expect((await alice.git('log', '-1', '--format=%an <%ae>', 'FETCH_HEAD')).trim()).toBe('alice <alice@example.com>');
    // One trailer per other author (a commit's own trailers too), after a blank line; Alice's own commit (any case) gets none.
    expect(await alice.git('log', '-1', '--format=%B', 'FETCH_HEAD')).toBe(
      `fix: export (TF-1) (#${number})\n\n${BODY.trim()}\n\nCo-authored-by: Bob Builder <bob@example.com>\nCo-authored-by: Zoe Pair <zoe@example.com>\n\n`,
    );
    expect(
      (await alice.git('log', '-1', '--format=%(trailers:key=Co-authored-by,valueonly)', 'FETCH_HEAD')).trim(),
    ).toBe('Bob Builder <bob@example.com>\nZoe Pair <zoe@example.com>');
  });

  it("dismisses an approval when the author pushes after it, and the reviewer's new approval makes it mergeable", async () => {
    const alice = await clone(tokens.alice ?? '');
    await alice.git('switch', '-qc', 'feature/TF-2-import');
    const first = await commit(alice, 'import.txt', 'alice <alice@example.com>');
    const number = await open(alice, 'feature/TF-2-import', 'fix: import (TF-2)');
    await gateAt(number, first);
    await approve('carol', number);
    expect((await server.api<Gate>('GET', `${pulls}/${number}/mergeability`)).body.reasons).toEqual([]);

    const second = await commit(alice, 'import2.txt', 'alice <alice@example.com>');
    await alice.git('push', '-q', 'origin', 'HEAD:feature/TF-2-import');
    const after = await gateAt(number, second);
    expect(after.mergeable).toBe(false);
    expect(after.reasons.map((reason) => reason.code)).toEqual(['approvals-missing']);
    const detail = await server.api<{ reviews: { reviewer: string; dismissed: boolean }[] }>(
      'GET',
      `${pulls}/${number}`,
    );
    expect(detail.body.reviews).toEqual([expect.objectContaining({ reviewer: 'carol', dismissed: true })]);

    await approve('carol', number);
    expect((await server.api<Gate>('GET', `${pulls}/${number}/mergeability`)).body).toMatchObject({
      mergeable: true,
      approvals: 1,
    });
  });

  it('refuses to delete the branch of an open PR for another developer, and lets a maintainer do it', async () => {
    const alice = await clone(tokens.alice ?? '');
    await alice.git('switch', '-qc', 'feature/TF-3-share');
    const sha = await commit(alice, 'share.txt', 'alice <alice@example.com>');
    const number = await open(alice, 'feature/TF-3-share', 'fix: share (TF-3)');

    const bob = await clone(tokens.bob ?? '');
    const refused = await bob.run(['push', 'origin', ':feature/TF-3-share']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(
      `feature/TF-3-share is the branch of open pull request #${number} by alice: only alice or a maintainer may delete it`,
    );
    expect((await bob.git('ls-remote', 'origin', 'refs/heads/feature/TF-3-share')).split('\t')[0]).toBe(sha);
    expect((await server.api<{ state: string }>('GET', `${pulls}/${number}`)).body.state).toBe('open');

    // A branch with no open PR is anyone's to delete.
    await bob.git('push', '-q', 'origin', 'HEAD:feature/TF-4-scratch');
    await bob.git('push', '-q', 'origin', ':feature/TF-4-scratch');

    const mia = await clone(tokens.mia ?? '');
    await mia.git('push', '-q', 'origin', ':feature/TF-3-share');
    expect(await mia.git('ls-remote', 'origin', 'refs/heads/feature/TF-3-share')).toBe('');
    let state = '';
    for (let attempt = 0; attempt < 200 && state !== 'closed'; attempt++) {
      state = (await server.api<{ state: string }>('GET', `${pulls}/${number}`)).body.state;
      if (state !== 'closed') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(state).toBe('closed');
  });

  it('edits the title and body (author or maintainer), checks them again, and refuses NUL and lone surrogates', async () => {
    const alice = await clone(tokens.alice ?? '');
    await alice.git('switch', '-qc', 'feature/TF-5-edit');
    const sha = await commit(alice, 'edit.txt', 'alice <alice@example.com>');
    const number = await open(alice, 'feature/TF-5-edit', 'fix: edit me (TF-5)');
    await gateAt(number, sha);
    await approve('carol', number);

    const renamed = await server.api<{ title: string; body: string }>('PATCH', `${pulls}/${number}`, {
      ...as('alice'),
      body: { title: 'not a conventional title' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ title: 'not a conventional title', body: BODY });
    // The rules read the title: the head's checks run again (a job) and now fail.
    expect(await server.checksDone('shop', number)).toMatchObject({ status: 'completed', ok: false });
    const gate = await server.api<Gate>('GET', `${pulls}/${number}/mergeability`);
    expect(gate.body.mergeable).toBe(false);
    expect(gate.body.reasons.map((reason) => reason.code)).toContain('checks-failed');

    const byBob = await server.api<ErrorBody>('PATCH', `${pulls}/${number}`, {
      ...as('bob'),
      body: { title: 'feat: mine now' },
    });
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.message).toContain('only the author (alice) or a maintainer may edit');

    const byMia = await server.api<{ title: string }>('PATCH', `${pulls}/${number}`, {
      ...as('mia'),
      body: { title: '  fix: edited (TF-5)  ', body: `${BODY}\nMore.\n` },
    });
    expect(byMia.status).toBe(200);
    expect(byMia.body.title).toBe('fix: edited (TF-5)');
    await server.checksDone('shop', number);
    expect((await server.api<Gate>('GET', `${pulls}/${number}/mergeability`)).body.reasons).toEqual([]);

    const bad: [string, string, unknown][] = [
      ['PATCH', `${pulls}/${number}`, { title: 'feat: a\u0000b' }],
      ['PATCH', `${pulls}/${number}`, { body: 'x \uD800 y' }],
      ['PATCH', `${pulls}/${number}`, { title: 'feat: \uDC00' }],
      ['PATCH', `${pulls}/${number}`, { title: '   ' }],
      ['PATCH', `${pulls}/${number}`, {}],
      ['POST', pulls, { head: 'feature/TF-5-edit', title: 'feat: nul\u0000', body: BODY }],
      ['POST', pulls, { head: 'feature/TF-5-edit', title: 'feat: fine', body: 'lone \uD83D' }],
    ];
    const messages: string[] = [];
    for (const [method, path, body] of bad) {
      const response = await server.api<ErrorBody>(method, path, { ...as('alice'), body });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      messages.push(response.body.error.message);
    }
    expect(messages[0]).toContain('contains a NUL byte');
    expect(messages[1]).toContain('lone UTF-16 surrogate (\\uD800)');
    expect(messages[2]).toContain('lone UTF-16 surrogate (\\uDC00)');
    expect(messages[5]).toContain('contains a NUL byte');
    expect(messages[6]).toContain('lone UTF-16 surrogate (\\uD83D)');
    expect((await server.api<{ title: string }>('GET', `${pulls}/${number}`)).body.title).toBe('fix: edited (TF-5)');

    const merged = await server.api('POST', `${pulls}/${number}/merge`, as('alice'));
    expect(merged.status).toBe(200);
    await alice.git('fetch', '-q', 'origin', 'main');
    expect((await alice.git('log', '-1', '--format=%s', 'FETCH_HEAD')).trim()).toBe(`fix: edited (TF-5) (#${number})`);
    const late = await server.api<ErrorBody>('PATCH', `${pulls}/${number}`, {
      ...as('alice'),
      body: { title: 'feat: too late' },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('already merged');
  });

  it('gives users an e-mail: a default, one given at creation, and a change', async () => {
    const created = await server.api<{ user: { email: string } }>('POST', '/api/admin/users', {
      body: { name: 'dana', role: 'developer' },
    });
    expect(created.body.user.email).toBe('dana@trunkflow.local');
    const changed = await server.api<{ name: string; email: string }>('PATCH', '/api/admin/users/dana', {
      body: { email: 'dana@example.com' },
    });
    expect(changed).toMatchObject({ status: 200, body: { name: 'dana', email: 'dana@example.com' } });
    const listed = await server.api<{ users: { name: string; email: string }[] }>('GET', '/api/admin/users');
    expect(listed.body.users.find((user) => user.name === 'dana')?.email).toBe('dana@example.com');
    expect(listed.body.users.find((user) => user.name === 'alice')?.email).toBe('alice@example.com');

    for (const email of ['not-an-address', 'a <b@example.com>', 'x@example.com\nInjected: yes']) {
      const refused = await server.api<ErrorBody>('PATCH', '/api/admin/users/dana', { body: { email } });
      expect({ email, status: refused.status }).toEqual({ email, status: 400 });
      expect(refused.body.error.message).toContain('e-mail');
    }
    expect((await server.api('PATCH', '/api/admin/users/nobody', { body: { email: 'n@example.com' } })).status).toBe(
      404,
    );
    expect(
      (await server.api('PATCH', '/api/admin/users/dana', { ...as('alice'), body: { email: 'd@x.io' } })).status,
    ).toBe(403);
  });
});
