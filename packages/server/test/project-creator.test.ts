// Whoever creates a project maintains it: a developer's new project takes their first push; nobody else's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

describe.each(testDatabases())('a project created by a developer, on $name', (kind) => {
  let server: TestServer;
  let creator: string;
  let other: string;
  const clients: GitClient[] = [];

  async function committedClone(token: string): Promise<GitClient> {
    const client = new GitClient();
    clients.push(client);
    await client.git('clone', '-q', authedGitUrl(server.url, 'kiosk', token), '.');
    writeFileSync(join(client.dir, 'index.js'), 'export {};\n');
    await client.git('add', '.');
    await client.git('commit', '-qm', 'chore: initial');
    return client;
  }

  beforeAll(async () => {
    server = await startServer(kind);
    creator = await server.createUser('carla', 'developer');
    other = await server.createUser('otto', 'developer');
    const created = await server.api('POST', '/api/projects', { token: creator, body: { name: 'kiosk' } });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    for (const client of clients) client.remove();
    await server?.stop();
  });

  it('refuses the first push from another developer, who does not maintain it', async () => {
    const push = await (await committedClone(other)).run(['push', 'origin', 'HEAD:main']);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toMatch(/maintainer/);
  });

  it("takes the creator's first push, which creates trunk", async () => {
    const client = await committedClone(creator);
    await client.git('push', '-q', 'origin', 'HEAD:main');
    const remote = await client.git('ls-remote', 'origin', 'refs/heads/main');
    expect(remote).toContain((await client.git('rev-parse', 'HEAD')).trim());
  });

  it('lets the creator, as maintainer, push a tag; a viewer still cannot create projects', async () => {
    const client = clients[1] as GitClient;
    await client.git('tag', 'v0.1.0');
    await client.git('push', '-q', 'origin', 'v0.1.0');
    const viewer = await server.createUser('vera', 'viewer');
    const refused = await server.api('POST', '/api/projects', { token: viewer, body: { name: 'nope' } });
    expect(refused.status).toBe(403);
  });
});
