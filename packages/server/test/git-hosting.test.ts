// Hosted git over smart HTTP with the real git client: permissions, trunk protection and push events.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

describe.each(testDatabases())('hosted git on $name', (kind) => {
  let server: TestServer;
  let developer: string;
  let viewer: string;
  let admin: GitClient;

  beforeAll(async () => {
    server = await startServer(kind);
    developer = await server.createUser('dana', 'developer');
    viewer = await server.createUser('vic', 'viewer');
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
    admin = new GitClient();
    await admin.git('clone', '-q', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), '.');
    writeFileSync(join(admin.dir, 'README.md'), '# shop\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'chore: initial commit');
  });

  afterAll(async () => {
    admin?.remove();
    await server?.stop();
  });

  it('lets a maintainer create trunk with the first push and records a push event first', async () => {
    await admin.git('push', '-q', 'origin', 'HEAD:main');
    const head = (await admin.git('rev-parse', 'HEAD')).trim();
    const { body } = await server.api<{ events: { type: string; payload: Record<string, string> }[] }>(
      'GET',
      '/api/events?project=shop',
    );
    const push = body.events.find((event) => event.type === 'push');
    expect(push?.payload).toMatchObject({ ref: 'refs/heads/main', after: head, pusher: 'admin' });
  });

  it('refuses a later direct push to trunk with a message that says what to do', async () => {
    writeFileSync(join(admin.dir, 'more.txt'), 'more\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'chore: more');
    const push = await admin.run(['push', 'origin', 'HEAD:main']);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('direct pushes to main are refused');
    expect(push.stderr).toContain('trunkflow pr open');
    await admin.git('reset', '-q', '--hard', 'origin/main');
  });

  it('lets a developer push a feature branch and a viewer clone but not push', async () => {
    const dev = new GitClient();
    const view = new GitClient();
    try {
      await dev.git('clone', '-q', authedGitUrl(server.url, 'shop', developer), '.');
      writeFileSync(join(dev.dir, 'feature.txt'), 'x\n');
      await dev.git('add', '.');
      await dev.git('commit', '-qm', 'feat: x');
      await dev.git('push', '-q', 'origin', 'HEAD:feature/TF-1-x');
      const branches = await admin.git('ls-remote', '--heads', 'origin');
      expect(branches).toContain('refs/heads/feature/TF-1-x');

      await view.git('clone', '-q', authedGitUrl(server.url, 'shop', viewer), '.');
      writeFileSync(join(view.dir, 'v.txt'), 'v\n');
      await view.git('add', '.');
      await view.git('commit', '-qm', 'feat: v');
      const push = await view.run(['push', 'origin', 'HEAD:feature/TF-2-v']);
      expect(push.status).not.toBe(0);
      expect(push.stderr).toMatch(/403/);
      const refs = await admin.git('ls-remote', '--heads', 'origin');
      expect(refs).not.toContain('TF-2-v');
    } finally {
      dev.remove();
      view.remove();
    }
  });

  it('undoes the push event of an update git accepted but could not apply, and keeps the others', async () => {
    const dev = new GitClient();
    try {
      await dev.git('clone', '-q', authedGitUrl(server.url, 'shop', developer), '.');
      writeFileSync(join(dev.dir, 'locked.txt'), 'x\n');
      await dev.git('add', '.');
      await dev.git('commit', '-qm', 'feat: locked');
      const sha = (await dev.git('rev-parse', 'HEAD')).trim();
      // Another writer holds the ref's lock, so receive-pack fails that update after pre-receive.
      const heads = join(server.database.dataDir, 'repos', 'shop.git', 'refs', 'heads', 'feature');
      mkdirSync(heads, { recursive: true });
      const lock = join(heads, 'TF-3-locked.lock');
      writeFileSync(lock, '');
      const { body: before } = await server.api<{ events: { id: number }[] }>('GET', '/api/events?project=shop');
      const after = before.events.at(-1)?.id ?? 0;
      let push: Awaited<ReturnType<GitClient['run']>>;
      try {
        push = await dev.run(['push', 'origin', 'HEAD:feature/TF-3-locked', 'HEAD:feature/TF-4-fine']);
      } finally {
        rmSync(lock);
      }
      expect(push.status).not.toBe(0);
      expect(push.stderr).toContain('TF-3-locked');
      const refs = await dev.git('ls-remote', '--heads', 'origin');
      expect(refs).not.toContain('TF-3-locked');
      expect(refs).toContain(`${sha}\trefs/heads/feature/TF-4-fine`);

      const { body } = await server.api<{ events: { type: string; payload: Record<string, string> }[] }>(
        'GET',
        `/api/events?project=shop&after=${after}`,
      );
      const pushes = body.events.map((event) => [event.type, event.payload.ref]);
      expect(pushes).toEqual([
        ['push', 'refs/heads/feature/TF-3-locked'],
        ['push', 'refs/heads/feature/TF-4-fine'],
        ['push.failed', 'refs/heads/feature/TF-3-locked'],
      ]);
      expect(body.events[2]?.payload).toMatchObject({ after: sha, pusher: 'dana' });
    } finally {
      dev.remove();
    }
  });

  it('refuses a bad token, a missing token and an unknown repository', async () => {
    const anonymous = await fetch(`${server.url}/git/shop.git/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const client = new GitClient();
    try {
      const bad = await client.run(['clone', '-q', authedGitUrl(server.url, 'shop', 'tf_not_a_real_token'), '.']);
      expect(bad.status).not.toBe(0);
      const unknown = await fetch(`${server.url}/git/nope.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain('trunkflow project create nope');
    } finally {
      client.remove();
    }
  });

  it.each([
    '/git/..%2F..%2Fetc/passwd',
    '/git/shop.git/../../../etc/passwd',
    '/git/shop.git/objects/info/packs',
    '/git/shop.git/HEAD',
    '/git/Shop.git/info/refs',
  ])('refuses the path %s without touching the filesystem', async (path) => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect([400, 404]).toContain(response.status);
    expect(await response.text()).not.toContain('root:');
  });

  it('accepts the hook endpoint only with a live push session', async () => {
    const response = await fetch(`${server.url}/internal/git/pre-receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trunkflow-hook-token': 'forged' },
      body: JSON.stringify({ updates: [{ oldSha: '0'.repeat(40), newSha: 'a'.repeat(40), ref: 'refs/heads/main' }] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ ok: false });
  });
});
