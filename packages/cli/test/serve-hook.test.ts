// `trunkflow serve` where the pre-receive hook cannot run (a data directory on a noexec mount): it
// says why and does not start. It mounts a tmpfs, so it runs only where that is allowed (as root).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, runCliAsync, TempDirs } from './helpers/server.js';

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
});
