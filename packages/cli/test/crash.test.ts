// kill -9 of the real server in the middle of a merge, then a restart: trunk and the database agree.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDatabases } from '@trunkflow/server/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  freePort,
  gitWithToken,
  type RunningServer,
  runCliAsync,
  startServer,
  TempDirs,
} from './helpers/server.js';

const ADMIN_TOKEN = 'crash-admin-token-0123456789abc';
const TITLE = 'fix: keep the cart (TF-1)';
const BODY = '## User flows tested\n\n- [x] kept the cart across a session timeout\n';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

function git(home: string, token: string, cwd: string, ...args: string[]): Promise<string> {
  return gitWithToken({ home, token, cwd, args, author: { name: 'Dana', email: 'dana@example.com' } });
}

describe.each(testDatabases())('a merge interrupted by kill -9 on $name', (kind) => {
  it.each([
    ['merge.after-intent', 'open'],
    ['merge.after-ref-update', 'merged'],
  ] as const)('at %s leaves the PR %s after a restart, never half-merged', async (fault, expected) => {
    const database = kind.name === 'postgres' ? await kind.open({ migrate: false }) : null;
    const dataDir = dirs.make('crash-data');
    const home = dirs.make('crash-home');
    const port = await freePort();
    const env = { TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN, ...(database?.url ? { DATABASE_URL: database.url } : {}) };
    const serve = (faults: string) =>
      startServer({ dataDir, port: String(port), env: { ...env, TRUNKFLOW_FAULTS: faults } });
    let server: RunningServer | null = await serve(fault);
    try {
      const cli = async (token: string, ...args: string[]) =>
        runCliAsync(args, {
          env: { ...baseEnv(home), TRUNKFLOW_SERVER: `http://localhost:${port}`, TRUNKFLOW_TOKEN: token },
        });
      const json = async (token: string, ...args: string[]) => {
        const run = await cli(token, ...args, '--format', 'json');
        if (run.status !== 0) throw new Error(`trunkflow ${args.join(' ')}: ${run.stderr}`);
        return JSON.parse(run.stdout) as Record<string, unknown>;
      };
      const dana = String((await json(ADMIN_TOKEN, 'admin', 'user', 'create', 'dana', '--role', 'developer')).token);
      const bob = String((await json(ADMIN_TOKEN, 'admin', 'user', 'create', 'bob', '--role', 'developer')).token);
      const gitUrl = String((await json(ADMIN_TOKEN, 'project', 'create', 'shop')).gitUrl);

      const work = dirs.make('crash-work');
      await git(home, ADMIN_TOKEN, work, 'clone', '-q', gitUrl, '.');
      writeFileSync(join(work, 'README.md'), '# shop\n');
      await git(home, ADMIN_TOKEN, work, 'add', '.');
      await git(home, ADMIN_TOKEN, work, 'commit', '-qm', 'chore: initial commit');
      await git(home, ADMIN_TOKEN, work, 'push', '-q', 'origin', 'HEAD:main');
      const trunkBefore = (await git(home, ADMIN_TOKEN, work, 'rev-parse', 'HEAD')).trim();
      await git(home, dana, work, 'switch', '-q', '-c', 'feature/TF-1-cart');
      writeFileSync(join(work, 'cart.txt'), 'kept\n');
      await git(home, dana, work, 'add', '.');
      await git(home, dana, work, 'commit', '-qm', 'fix: keep the cart');
      await git(home, dana, work, 'push', '-q', 'origin', 'HEAD:feature/TF-1-cart');
      const bodyFile = join(dirs.make('crash-body'), 'body.md');
      writeFileSync(bodyFile, BODY);
      await json(
        dana,
        'pr',
        'open',
        '--project',
        'shop',
        '--head',
        'feature/TF-1-cart',
        '--title',
        TITLE,
        '--body-file',
        bodyFile,
      );
      await json(bob, 'pr', 'approve', '1', '--project', 'shop');
      // The checks run as a job after the open: wait for them, so the merge reaches its fault point.
      expect((await cli(dana, 'pr', 'checks', '1', '--project', 'shop')).status).toBe(0);

      const merge = await cli(dana, 'pr', 'merge', '1', '--project', 'shop');
      expect(merge.status).not.toBe(0);
      await server.stop();
      expect(server.child.signalCode).toBe('SIGKILL');

      server = await serve('');
      // No start-up pass settles the merge: its merges.settle job does, about 10 s after the intent.
      // Until then the PR reads open and a merge is refused as "being merged right now".
      // An admin sees the settlement waiting in `admin jobs list`; the test waits for it to be done.
      const settling = async () => {
        const run = await cli(ADMIN_TOKEN, 'admin', 'jobs', 'list', '--format', 'json');
        if (run.status !== 0) throw new Error(`trunkflow admin jobs list: ${run.stderr}`);
        const { jobs } = JSON.parse(run.stdout) as { jobs: { name: string }[] };
        return jobs.filter((job) => job.name === 'merges.settle').length;
      };
      expect(await settling()).toBe(1);
      for (let tries = 0; tries < 100 && (await settling()) > 0; tries++) {
        await new Promise((done) => setTimeout(done, 300));
      }
      expect(await settling()).toBe(0);
      const pull = await json(dana, 'pr', 'view', '1', '--project', 'shop');
      expect(pull.state).toBe(expected);
      const refs = await git(home, dana, work, 'ls-remote', '--heads', 'origin');
      const trunk = /^([0-9a-f]{40})\trefs\/heads\/main$/m.exec(refs)?.[1];
      if (expected === 'open') {
        expect(trunk).toBe(trunkBefore);
        expect(refs).toContain('refs/heads/feature/TF-1-cart');
        // Nothing is stuck: the merge goes through now.
        expect((await json(dana, 'pr', 'merge', '1', '--project', 'shop')).merged).toBe(true);
      } else {
        expect(trunk).toBe(pull.mergeSha);
        expect(refs).not.toContain('feature/TF-1-cart');
        await git(home, dana, work, 'fetch', '-q', 'origin');
        const log = await git(home, dana, work, 'log', '--format=%s', `${trunkBefore}..origin/main`);
        expect(log.trim().split('\n')).toEqual([`${TITLE} (#1)`]);
      }
      // Either way the PR ends merged exactly once, as the event log tells.
      const response = await fetch(`http://localhost:${port}/api/events?project=shop&limit=1000`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const { events } = (await response.json()) as { events: { type: string }[] };
      expect(events.filter((event) => event.type === 'pull_request.merged')).toHaveLength(1);
    } finally {
      await server?.stop();
      await database?.drop();
    }
  });
});
