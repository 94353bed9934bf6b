// `trunkflow serve` and its pre-receive hook where the machine makes it hard: a data directory on a
// noexec mount (it says why and does not start), and a server run by a user who cannot write to the
// install or node_modules (pushes work). Both need root to set up (a tmpfs mount, another user), so
// they run only where that is allowed.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, gitWithToken, runCliAsync, TempDirs } from './helpers/server.js';
import { CLI_BIN } from './helpers/temp-repo.js';

const dirs = new TempDirs();
const mountPoint = mkdtempSync(join(tmpdir(), 'trunkflow-noexec-'));
const mounted =
  process.getuid?.() === 0 &&
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'noexec,size=32m', 'tmpfs', mountPoint], { stdio: 'ignore' }).status === 0;

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  rmdirSync(mountPoint);
  dirs.removeAll();
});

/** `nobody`, through setpriv: a user who owns nothing of the checkout. */
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const asNobody = process.getuid?.() === 0 && spawnSync('setpriv', [...NOBODY, 'true']).status === 0;

describe('trunkflow serve with a hook that cannot run', () => {
  it.skipIf(!mounted)('refuses to start, naming the hook and the likely cause, and logs the error', async () => {
    const run = await runCliAsync(['serve', '--port', '0', '--data-dir', join(mountPoint, 'data dir')], {
      env: { ...baseEnv(dirs.make('home')), TRUNKFLOW_ADMIN_TOKEN: 'noexec-admin-token-0123456789' },
    });
    expect(run.status).toBe(2);
    expect(run.stdout).not.toContain('listening');
    expect(run.stderr).toContain(
      'trunkflow: cannot start: the pre-receive hook cannot run, so no push could be accepted',
    );
    expect(run.stderr).toContain(`${join(mountPoint, 'data dir', 'hooks', 'pre-receive')} cannot be run`);
    expect(run.stderr).toContain('is not on a noexec mount');
    const logged = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, msg: 'the pre-receive hook cannot run' }));
  });

  it.skipIf(!asNobody)(
    'accepts a push from a server whose user cannot write to node_modules, with the data directory in a "type": "module" package',
    async () => {
      const nodeModules = join(dirname(dirname(dirname(CLI_BIN))), '..', 'node_modules');
      // The premise: this user cannot write to the install.
      expect(spawnSync('setpriv', [...NOBODY, 'test', '-w', nodeModules]).status).not.toBe(0);
      expect(spawnSync('setpriv', [...NOBODY, 'test', '-w', dirname(CLI_BIN)]).status).not.toBe(0);
      const outer = dirs.make('nobody');
      const pkg = join(outer, 'an esm package');
      mkdirSync(join(pkg, 'home'), { recursive: true });
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ type: 'module' }));
      for (const dir of [outer, pkg, join(pkg, 'home')]) chownSync(dir, 65534, 65534);
      const token = 'nobody-admin-token-0123456789';
      const child = spawn(
        'setpriv',
        [...NOBODY, process.execPath, CLI_BIN, 'serve', '--port', '0', '--data-dir', join(pkg, '.trunkflow')],
        {
          cwd: pkg,
          env: { ...baseEnv(join(pkg, 'home')), TRUNKFLOW_ADMIN_TOKEN: token },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise((done) => child.once('close', done));
      try {
        const url = await new Promise<string>((done, fail) => {
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const match = /Trunkflow listening on (\S+)/.exec(stdout);
            if (match?.[1]) done(match[1]);
          });
          void exited.then(() => fail(new Error(`serve exited before listening:\n${stderr}`)));
        });
        const created = await fetch(`${url}/api/projects`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'shop' }),
        });
        expect(created.status).toBe(201);
        const work = dirs.make('nobody-client');
        const home = dirs.make('nobody-client-home');
        const author = { name: 'Ann', email: 'ann@example.com' };
        const git = (...args: string[]) => gitWithToken({ home, token, cwd: work, args, author });
        await git('init', '-q', '-b', 'main', '.');
        writeFileSync(join(work, 'README.md'), '# shop\n');
        await git('add', '.');
        await git('commit', '-qm', 'chore: initial commit');
        await git('push', '-q', `${url}/git/shop.git`, 'HEAD:main');
        const remote = await git('ls-remote', `${url}/git/shop.git`, 'refs/heads/main');
        expect(remote.split('\t')[0]).toBe((await git('rev-parse', 'HEAD')).trim());
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
  );
});
