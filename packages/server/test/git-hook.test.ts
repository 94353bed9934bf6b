// The pre-receive hook wherever the data directory is: inside a "type": "module" package, under a path
// with spaces, run by a node binary whose path has spaces; with the real git client over HTTP.
import { spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_SELF_TEST_OUTPUT } from '../src/features/git/pre-receive-hook.js';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

describe.each(testDatabases())('the pre-receive hook on $name', (kind) => {
  let outer: string;
  let server: TestServer;

  beforeAll(async () => {
    // Like the default `.trunkflow/` inside the Trunkflow checkout, whose package.json says "module".
    outer = mkdtempSync(join(tmpdir(), 'trunkflow hook '));
    const pkg = join(outer, 'an esm package');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm', type: 'module' }));
    server = await startServer(kind, { dataDir: join(pkg, 'data dir', '.trunkflow') });
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(outer, { recursive: true, force: true });
  });

  it('accepts a push when the data directory lies inside a "type": "module" package, under a path with spaces', async () => {
    const client = new GitClient();
    try {
      await client.git('init', '-q', '-b', 'main', '.');
      writeFileSync(join(client.dir, 'README.md'), '# shop\n');
      await client.git('add', '.');
      await client.git('commit', '-qm', 'chore: initial commit');
      const push = await client.run(['push', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), 'HEAD:main']);
      expect(push.stderr).not.toContain('require is not defined');
      expect(push.status).toBe(0);
      const remote = await client.git('ls-remote', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), 'refs/heads/main');
      expect(remote.split('\t')[0]).toBe((await client.git('rev-parse', 'HEAD')).trim());
    } finally {
      client.remove();
    }
  });

  it('runs under a node binary whose path has spaces', () => {
    const bin = join(outer, 'node binaries', 'node 20');
    mkdirSync(join(outer, 'node binaries'));
    try {
      linkSync(process.execPath, bin);
    } catch {
      copyFileSync(process.execPath, bin);
    }
    const result = spawnSync(join(server.dataDir, 'hooks', 'pre-receive'), [], {
      env: { PATH: '/usr/bin:/bin', TRUNKFLOW_NODE: bin, TRUNKFLOW_HOOK_SELF_TEST: '1' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(HOOK_SELF_TEST_OUTPUT);
    expect(result.status).toBe(0);
  });
});
