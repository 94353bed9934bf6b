// Checks as jobs through real HTTP and the real git client: the open answers at once with its checks pending, and they complete.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

const BODY = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the page\n';

interface Checks {
  status: string;
  sha: string;
  ok: boolean;
  findings: unknown[];
}

describe.each(testDatabases())('checks as jobs on $name', (kind) => {
  let server: TestServer;
  let alice: GitClient;
  let token = '';
  const pulls = '/api/projects/shop/pulls';

  beforeAll(async () => {
    server = await startServer(kind);
    token = await server.createUser('alice', 'developer');
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
    const admin = new GitClient();
    await admin.git('clone', '-q', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), '.');
    writeFileSync(join(admin.dir, 'README.md'), '# shop\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'chore: initial commit');
    await admin.git('push', '-q', 'origin', 'HEAD:main');
    admin.remove();
    alice = new GitClient();
    await alice.git('clone', '-q', authedGitUrl(server.url, 'shop', token), '.');
  });

  afterAll(async () => {
    alice?.remove();
    await server?.stop();
  });

  async function push(file: string): Promise<string> {
    writeFileSync(join(alice.dir, file), `${file}\n`);
    await alice.git('add', '.');
    await alice.git('commit', '-qm', `work on ${file}`);
    await alice.git('push', '-q', 'origin', 'HEAD:feature/TF-1-jobs');
    return (await alice.git('rev-parse', 'HEAD')).trim();
  }

  it('answers the open at once with the checks pending, and then they complete', async () => {
    await alice.git('switch', '-qc', 'feature/TF-1-jobs');
    const sha = await push('a.txt');
    const opened = await server.api<{ number: number }>('POST', pulls, {
      token,
      body: { head: 'feature/TF-1-jobs', title: 'fix: jobs (TF-1)', body: BODY },
    });
    expect(opened.status).toBe(201);
    const number = opened.body.number;
    // The rules run as a job after the answer: a read right after sees them pending, or already done
    // when the job was quick (features/pulls/check-jobs.test.ts holds the job to see pending for sure).
    const first = await server.api<Checks>('GET', `${pulls}/${number}/checks`);
    expect(first.status).toBe(200);
    expect(first.body.sha).toBe(sha);
    if (first.body.status === 'pending') expect(first.body.findings).toEqual([]);
    else expect(first.body.status).toBe('completed');

    const done = await server.checksDone<Checks>('shop', number);
    expect(done).toMatchObject({ status: 'completed', sha, ok: true });
    expect(done.findings.length).toBeGreaterThan(0);
    const detail = await server.api<{ checks: { status: string; sha: string } }>('GET', `${pulls}/${number}`);
    expect(detail.body.checks).toMatchObject({ status: 'completed', sha });

    // A push to the PR enqueues the checks of the new head; they complete too.
    const next = await push('b.txt');
    let latest: Checks | null = null;
    for (let attempt = 0; attempt < 600 && latest?.sha !== next; attempt++) {
      latest = (await server.api<Checks>('GET', `${pulls}/${number}/checks`)).body;
      if (latest.sha !== next) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(latest?.sha).toBe(next);
    expect(await server.checksDone<Checks>('shop', number)).toMatchObject({ status: 'completed', sha: next, ok: true });
    // Nothing is left queued or failed once both ran.
    expect(await server.trunkflow.jobs.list()).toEqual([]);
  });
});
