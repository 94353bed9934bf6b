// `trunkflow serve` as a real child process: first-start token, seeded token, config errors and graceful shutdown.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { baseEnv, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const dirs = new TempDirs();
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop('SIGKILL');
});
afterAll(() => dirs.removeAll());

async function serve(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const server = await startServer({ dataDir, env });
  servers.push(server);
  return server;
}

function whoami(server: RunningServer, token: string) {
  const home = dirs.make('home');
  return runCliAsync(['whoami', '--server', server.url, '--token', token, '--format', 'json'], { env: baseEnv(home) });
}

describe('trunkflow serve', () => {
  it('prints the admin token on first start only, and the token keeps working after a restart', async () => {
    const dataDir = join(dirs.make('data'), 'nested', '.trunkflow');
    const first = await serve(dataDir);
    expect(first.url).toBe(`http://localhost:${first.port}`);
    expect(first.adminToken).toMatch(/^tf_[\w-]{20,}$/);
    const token = first.adminToken ?? '';
    expect(first.stdout()).toContain(`trunkflow login --server ${first.url} --token ${token}`);
    expect(first.stdout()).toContain('it is not shown again');
    const me = await whoami(first, token);
    expect(me.status, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ name: 'admin', role: 'admin', server: first.url });
    expect(await first.stop()).toBe(0);

    const second = await serve(dataDir);
    expect(second.adminToken).toBeNull();
    expect(second.stdout()).not.toContain(token);
    expect(second.stdout()).not.toContain('admin token');
    expect((await whoami(second, token)).status).toBe(0);
  });

  it('seeds the admin token from TRUNKFLOW_ADMIN_TOKEN without printing a new one', async () => {
    const seeded = 'seeded-admin-token-0123456789';
    const server = await serve(dirs.make('data'), { TRUNKFLOW_ADMIN_TOKEN: seeded });
    expect(server.adminToken).toBeNull();
    expect(server.stdout()).not.toContain(seeded);
    const me = await whoami(server, seeded);
    expect(me.status, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('stops gracefully on SIGTERM: exit 0, and /healthz no longer answers', async () => {
    const server = await serve(dirs.make('data'), { LOG_LEVEL: 'info' });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    // JSON logs on stderr; stdout stays readable for people and scripts.
    expect(server.stderr()).toContain('"msg":"request completed"');
    expect(server.stdout()).not.toContain('"level"');
    expect(server.stdout()).toContain('Trunkflow stopped');
    expect(server.stderr()).toContain('SIGTERM');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('stops on SIGTERM even while a client holds the event stream open', async () => {
    const token = 'stream-admin-token-0123456789';
    const server = await serve(dirs.make('data'), { TRUNKFLOW_ADMIN_TOKEN: token });
    const stream = await fetch(`${server.url}/api/events/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    await reader?.read();
    expect(await server.stop('SIGTERM')).toBe(0);
    await reader?.cancel().catch(() => {});
  });

  it('stops gracefully on SIGINT too', async () => {
    const server = await serve(dirs.make('data'));
    expect(await server.stop('SIGINT')).toBe(0);
  });

  it('refuses bad settings with exit 2 and names the setting', async () => {
    const env = baseEnv(dirs.make('home'));
    const badPort = await runCliAsync(['serve', '--port', '99999', '--data-dir', dirs.make('data')], { env });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/^trunkflow: --port \/ PORT: /);
    const shortToken = await runCliAsync(['serve', '--port', '0', '--data-dir', dirs.make('data')], {
      env: { ...env, TRUNKFLOW_ADMIN_TOKEN: 'short' },
    });
    expect(shortToken.status).toBe(2);
    expect(shortToken.stderr).toContain('TRUNKFLOW_ADMIN_TOKEN: must be at least 16 characters');
  });

  it('says so when the port is taken, with exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const run = await runCliAsync(['serve', '--port', String(port), '--data-dir', dirs.make('data')], {
        env: baseEnv(dirs.make('home')),
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use: pass another --port`);
    } finally {
      blocker.close();
    }
  });
});
