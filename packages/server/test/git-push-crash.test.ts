// A real kill -9 in the middle of a push: the built server runs as a child process with a fault point
// (TRUNKFLOW_FAULTS, read by config), dies on it, and a restart over the same database and
// repositories makes the event log and the refs agree again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '@trunkflow/git';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../src/event-catalog.js';
import { systemClock } from '../src/platform/clock.js';
import { type TestDatabase, testDatabases } from '../src/platform/db/test-databases.js';
import { EventLog } from '../src/platform/events/event-log.js';
import { buildServer, type ChildServer, ChildServers } from './helpers/child-server.js';
import { hostingServices } from './helpers/hosting.js';
import { ADMIN_TOKEN, authedGitUrl, GitClient } from './helpers/server.js';

describe.each(testDatabases())('kill -9 during a push on $name', (kind) => {
  let database: TestDatabase;
  let scratch: string;
  let servers: ChildServers;

  beforeAll(async () => {
    await buildServer();
    database = await kind.open({ migrate: false });
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-push-crash-'));
    servers = new ChildServers(scratch);
  });

  afterAll(async () => {
    await servers?.killAll();
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function start(faults: string[] = []): Promise<ChildServer> {
    return servers.start({
      TRUNKFLOW_DATA_DIR: database.dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(faults.length > 0 ? { TRUNKFLOW_FAULTS: faults.join(',') } : {}),
    });
  }

  async function stop(running: ChildServer): Promise<void> {
    await servers.stop(running);
  }

  async function pushEvents(projectId: string) {
    const rows = await database.db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('project_id', '=', projectId)
      .where('type', 'in', ['push', 'push.failed'])
      .orderBy('id')
      .execute();
    return rows.map(
      (row): Record<string, string> => ({ ...(JSON.parse(row.payload) as Record<string, string>), type: row.type }),
    );
  }

  const pending = async () => (await database.db.selectFrom('pending_pushes').selectAll().execute()).length;

  async function trunkUpdates(projectId: string) {
    const rows = await database.db
      .selectFrom('events')
      .select('payload')
      .where('project_id', '=', projectId)
      .where('type', '=', 'trunk.updated')
      .orderBy('id')
      .execute();
    return rows.map((row) => JSON.parse(row.payload) as Record<string, unknown>);
  }

  async function createProject(url: string, name: string): Promise<string> {
    const response = await fetch(`${url}/api/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(response.status).toBe(201);
    const row = await database.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Pushes one new commit to trunk of `project`; the result is git's, whatever the server did. */
  async function pushFirstCommit(url: string, project: string) {
    const client = new GitClient();
    try {
      await client.git('init', '-q', '-b', 'main', '.');
      await writeFile(join(client.dir, 'README.md'), `# ${project}\n`);
      await client.git('add', '.');
      await client.git('commit', '-qm', 'chore: initial commit');
      const push = await client.run(['push', authedGitUrl(url, project, ADMIN_TOKEN), 'HEAD:main']);
      return { push, head: (await client.git('rev-parse', 'HEAD')).trim() };
    } finally {
      client.remove();
    }
  }

  const trunkOf = async (project: string) => {
    const repo = join(database.dataDir, 'repos', `${project}.git`);
    const out = await runGit(['for-each-ref', '--format=%(objectname)', 'refs/heads/main'], { cwd: repo });
    return out.trim();
  };

  it('after the push event, before git applied it: the restart writes the push.failed that was missing', async () => {
    const crashing = await start(['git.after-push-event']);
    const projectId = await createProject(crashing.url, 'lost');
    const { push, head } = await pushFirstCommit(crashing.url, 'lost');
    const end = await crashing.exited;
    expect(end.signal).toBe('SIGKILL');
    expect(push.status).not.toBe(0);
    // What the crash left: a push event for an update that never landed, and nothing after it.
    expect(await trunkOf('lost')).toBe('');
    expect((await pushEvents(projectId)).map((event) => event.type)).toEqual(['push']);
    expect(await pending()).toBe(1);

    const restarted = await start();
    try {
      const events = await pushEvents(projectId);
      expect(events.map((event) => event.type)).toEqual(['push', 'push.failed']);
      expect(events[1]).toMatchObject({ ref: 'refs/heads/main', after: head, pusher: 'admin' });
      expect(events[1]?.reason).toContain('the server stopped before this push finished');
      expect(await pending()).toBe(0);
      expect(await trunkOf('lost')).toBe('');
      expect(await trunkUpdates(projectId)).toEqual([]);
      // The same push now lands, with a push event of its own and nothing undoing it.
      const again = await pushFirstCommit(restarted.url, 'lost');
      expect(again.push.status).toBe(0);
      expect(await trunkOf('lost')).toBe(again.head);
      expect((await pushEvents(projectId)).map((event) => event.type)).toEqual(['push', 'push.failed', 'push']);
    } finally {
      await stop(restarted);
    }
  });

  it('after git applied the update, before it was checked: the restart keeps the push and writes only the trunk.updated it missed', async () => {
    const crashing = await start(['git.before-settle']);
    const projectId = await createProject(crashing.url, 'kept');
    const { head } = await pushFirstCommit(crashing.url, 'kept');
    const end = await crashing.exited;
    expect(end.signal).toBe('SIGKILL');
    expect(await trunkOf('kept')).toBe(head);
    expect(await pending()).toBe(1);
    expect(await trunkUpdates(projectId)).toEqual([]);

    const restarted = await start();
    try {
      const events = await pushEvents(projectId);
      expect(events.map((event) => event.type)).toEqual(['push']);
      expect(events[0]).toMatchObject({ ref: 'refs/heads/main', after: head });
      expect(await pending()).toBe(0);
      expect(await trunkOf('kept')).toBe(head);
      expect(await trunkUpdates(projectId)).toEqual([
        { trunk: 'main', before: '0'.repeat(40), after: head, pullRequests: [], source: 'push' },
      ]);
    } finally {
      await stop(restarted);
    }
  });

  it('settles each update of an interrupted push on its own: the landed one stays, the other gets push.failed', async () => {
    // After the two crashes above: project "kept" has main at a commit a push created.
    const projectId = (
      await database.db.selectFrom('projects').select('id').where('name', '=', 'kept').executeTakeFirstOrThrow()
    ).id;
    const head = await trunkOf('kept');
    const zero = '0'.repeat(40);
    const updates = [
      { ref: 'refs/heads/feature/TF-1-landed', oldSha: zero, newSha: head },
      { ref: 'refs/heads/feature/TF-2-lost', oldSha: zero, newSha: head },
    ];
    const repo = join(database.dataDir, 'repos', 'kept.git');
    await runGit(['update-ref', updates[0]?.ref ?? '', head], { cwd: repo });
    const events = new EventLog(database.db, database.dialect, systemClock, { catalog: eventCatalog });
    // What a crash leaves: the pending row and its push events, nothing after.
    await database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('pending_pushes')
        .values({ id: 'p1', project_id: projectId, actor: 'admin', updates: JSON.stringify(updates), created_at: '' })
        .execute();
      for (const update of updates) {
        await events.append(trx, {
          type: 'push',
          projectId,
          actor: 'admin',
          payload: { ref: update.ref, before: update.oldSha, after: update.newSha, pusher: 'admin' },
        });
      }
    });
    const { git } = hostingServices(database, pino({ level: 'silent' }));
    expect(await git.reconcile()).toEqual({ pushesLanded: 0, updatesFailed: 1 });
    const after = (await pushEvents(projectId)).slice(-3);
    expect(after.map((event) => [event.type, event.ref])).toEqual([
      ['push', 'refs/heads/feature/TF-1-landed'],
      ['push', 'refs/heads/feature/TF-2-lost'],
      ['push.failed', 'refs/heads/feature/TF-2-lost'],
    ]);
    expect(await pending()).toBe(0);
    // Settled once: a second start finds nothing to do.
    expect(await git.reconcile()).toEqual({ pushesLanded: 0, updatesFailed: 0 });
  });
});
