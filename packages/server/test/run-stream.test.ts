// A run's SSE stream and `runs retry` through the real server, real git and the command deployer running a tiny script.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

const BODY = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the page\n';
const WAIT_MS = 60_000;

/**
 * Staging's deploy prints a line, waits for the gate file, then prints another and its URL. A file
 * `<gate>.fail` makes any deploy fail; previews deploy at once.
 */
const DEPLOY = `
import { existsSync } from 'node:fs';
const gate = process.env.GATE;
console.log('first line of ' + process.env.TRUNKFLOW_ENV);
console.error('warming up');
const finish = () => {
  if (existsSync(gate + '.fail')) {
    console.error('the cluster refused the manifest');
    process.exit(1);
  }
  console.log('second line');
  console.log('TRUNKFLOW_URL=https://' + process.env.TRUNKFLOW_ENV + '.example.dev/');
};
const wait = () => (existsSync(gate) ? finish() : setTimeout(wait, 50));
if (process.env.TRUNKFLOW_ENV === 'staging') wait();
else finish();
`;

function trunkflowYml(gate: string): string {
  const env = `    deployer: command\n    deploy: [node, deploy.mjs]\n    install: false\n    build: false\n    test: false\n    variables:\n      GATE: ${JSON.stringify(gate)}\n`;
  return `environments:\n  preview:\n${env}  staging:\n${env}`;
}

interface StreamEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** The row an event carries: an output line's id, or a transition's log row (the first part of its id). */
const rowOf = (event: StreamEvent) =>
  event.event === 'output' ? Number(event.data.id) : Number(event.id.split('-')[0]);

/** Events by kind, each kind in the order sent, with the row each carries (ids depend on the interleaving). */
function byKind(events: readonly StreamEvent[]) {
  const pick = (test: (event: StreamEvent) => boolean) =>
    events
      .filter(test)
      .map((event) => ({ row: event.event === 'end' ? 0 : rowOf(event), event: event.event, data: event.data }));
  return {
    output: pick((event) => event.event === 'output'),
    transitions: pick((event) => event.event === 'step' || event.event === 'run'),
    end: pick((event) => event.event === 'end'),
  };
}

interface ApiRun {
  id: string;
  environment: string;
  pr: number | null;
  sha: string;
  status: string;
  trigger: string;
  actor: string | null;
  kind: string;
  steps: { kind: string; status: string }[];
}

/** An SSE client over fetch: events as they arrive, and whether the server ended the stream. */
class StreamReader {
  readonly events: StreamEvent[] = [];
  comments: string[] = [];
  ended = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly response: Response) {
    void this.read();
  }

  get status() {
    return this.response.status;
  }

  private async read() {
    const reader = (this.response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
            }
          }
          if (fields.event !== undefined) {
            this.events.push({ id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data ?? 'null') });
          }
          this.wakeAll();
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Cancelled by close().
    }
    this.ended = true;
    this.wakeAll();
  }

  private wakeAll() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits (bounded) until `done` holds of what arrived. */
  async until(what: string, done: (reader: StreamReader) => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!done(this)) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; got ${JSON.stringify(this.events)}`);
      if (this.ended) throw new Error(`the stream ended before ${what}; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  }

  lines(): string[] {
    return this.events.filter((event) => event.event === 'output').map((event) => String(event.data.line));
  }

  async close() {
    await this.response.body?.cancel().catch(() => {});
  }
}

describe.each(testDatabases())('run stream and retry on $name', (kind) => {
  let server: TestServer;
  let admin: GitClient;
  let work: string;
  let gate: string;
  let dana = '';
  let vera = '';
  const readers: StreamReader[] = [];

  const api = <T>(method: string, path: string, token?: string) =>
    server.api<T>(method, path, token === undefined ? {} : { token });
  const runs = async () => (await api<{ runs: ApiRun[] }>('GET', '/api/projects/shop/runs?limit=100')).body.runs;

  async function open(path: string, options: { token?: string | null; lastEventId?: string } = {}) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? ADMIN_TOKEN}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const reader = new StreamReader(await fetch(`${server.url}${path}`, { headers }));
    readers.push(reader);
    return reader;
  }

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    let last = await read();
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await read();
    }
    return last;
  }

  async function pushMain(file: string): Promise<string> {
    writeFileSync(join(admin.dir, file), `${file}\n`);
    await admin.git('add', '-A');
    await admin.git('commit', '-qm', `chore: ${file}`);
    await admin.git('push', '-q', 'origin', 'HEAD:main');
    return (await admin.git('rev-parse', 'HEAD')).trim();
  }

  const stagingRunOf = (sha: string) =>
    until(`the staging run of ${sha}`, runs, (all) =>
      all.some((run) => run.environment === 'staging' && run.sha === sha && run.trigger === 'trunk'),
    ).then((all) => all.find((run) => run.environment === 'staging' && run.sha === sha) as ApiRun);

  beforeAll(async () => {
    server = await startServer(kind);
    dana = await server.createUser('dana', 'developer');
    vera = await server.createUser('vera', 'viewer');
    work = mkdtempSync(join(tmpdir(), 'trunkflow-run-stream-'));
    gate = join(work, 'gate');
    const created = await server.api('POST', '/api/projects', {
      body: { name: 'shop', allowDirectTrunkPush: true, requiredApprovals: 0 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await server.api('POST', '/api/projects', { body: { name: 'other' } })).status).toBe(201);
    expect(
      (await server.api('POST', '/api/projects', { body: { name: 'secret', visibility: 'private' } })).status,
    ).toBe(201);
    admin = new GitClient();
    await admin.git('clone', '-q', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), '.');
    writeFileSync(join(admin.dir, 'trunkflow.yml'), trunkflowYml(gate));
    writeFileSync(join(admin.dir, 'deploy.mjs'), DEPLOY);
  });

  afterAll(async () => {
    for (const reader of readers) await reader.close();
    await server?.stop();
    admin?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let first: StreamReader;
  let runId = '';

  it('streams a step’s lines while it runs, then the transitions, and ends once the run has finished', async () => {
    const sha = await pushMain('README.md');
    const run = await stagingRunOf(sha);
    runId = run.id;
    first = await open(`/api/projects/shop/runs/${runId}/stream`);
    expect(first.status).toBe(200);
    await first.until('the first line', (reader) => reader.lines().includes('first line of staging'));
    // The deploy waits on the gate: the line came while its step runs, and the stream is still open.
    const during = (await api<ApiRun>('GET', `/api/projects/shop/runs/${runId}`)).body;
    expect(during.steps.find((step) => step.kind === 'deploy')?.status).toBe('running');
    expect(first.ended).toBe(false);
    expect(first.events.some((event) => event.event === 'end')).toBe(false);
    expect(first.events).toContainEqual(
      expect.objectContaining({
        event: 'step',
        data: expect.objectContaining({ kind: 'deploy', from: 'pending', to: 'running' }),
      }),
    );
    expect(first.events).toContainEqual(
      expect.objectContaining({
        event: 'output',
        data: expect.objectContaining({ stream: 'stderr', line: 'warming up' }),
      }),
    );

    writeFileSync(gate, '');
    await first.until('the end of the stream', (reader) => reader.ended);
    const last = first.events.at(-1);
    expect(last).toMatchObject({ event: 'end', data: { status: 'succeeded', reason: null } });
    expect(first.lines()).toEqual(
      expect.arrayContaining(['first line of staging', 'second line', 'TRUNKFLOW_URL=https://staging.example.dev/']),
    );
    expect(first.lines().indexOf('first line of staging')).toBeLessThan(first.lines().indexOf('second line'));
    expect(first.events).toContainEqual(
      expect.objectContaining({ event: 'run', data: expect.objectContaining({ from: 'running', to: 'succeeded' }) }),
    );
    expect(first.comments).toContain('connected');
    // Every id moves forward: `<log>-<output>`, each part never going back.
    const ids = first.events.map((event) => event.id.split('-').map(Number) as [number, number]);
    for (let index = 1; index < ids.length; index++) {
      const [log, output] = ids[index] as [number, number];
      const [previousLog, previousOutput] = ids[index - 1] as [number, number];
      expect(log).toBeGreaterThanOrEqual(previousLog);
      expect(output).toBeGreaterThanOrEqual(previousOutput);
    }
  });

  it('replays the same events from the start, and resumes after Last-Event-ID without a gap or a duplicate', async () => {
    const again = await open(`/api/projects/shop/runs/${runId}/stream`);
    await again.until('the end', (reader) => reader.ended);
    // How lines and transitions interleave depends on when each was read; each kind's own order does not.
    expect(byKind(again.events)).toEqual(byKind(first.events));
    expect(again.events.at(-1)).toEqual(first.events.at(-1));

    const cut = first.events.findIndex(
      (event) => event.event === 'output' && event.data.line === 'first line of staging',
    );
    expect(cut).toBeGreaterThan(0);
    const cutId = (first.events[cut] as StreamEvent).id;
    const [log, output] = cutId.split('-').map(Number) as [number, number];
    const resumed = await open(`/api/projects/shop/runs/${runId}/stream`, { lastEventId: cutId });
    await resumed.until('the end', (reader) => reader.ended);
    const rest = first.events.filter((event) =>
      event.event === 'output' ? Number(event.data.id) > output : event.event === 'end' || rowOf(event) > log,
    );
    expect(rest.length).toBeGreaterThan(2);
    expect(byKind(resumed.events)).toEqual(byKind(rest));
  });

  it('refuses a Last-Event-ID that is not one, or beyond what the run has', async () => {
    for (const id of ['12', 'x-1', '-1-2']) {
      const refused = await open(`/api/projects/shop/runs/${runId}/stream`, { lastEventId: id });
      expect(refused.status).toBe(400);
    }
    const beyond = await fetch(`${server.url}/api/projects/shop/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'last-event-id': '999999999-0' },
    });
    expect(beyond.status).toBe(400);
    expect(((await beyond.json()) as { error: { message: string } }).error.message).toContain('is beyond what run');
  });

  it('answers 401 without a token and 404 for a run of another project or a private project', async () => {
    const anonymous = await open(`/api/projects/shop/runs/${runId}/stream`, { token: null });
    expect(anonymous.status).toBe(401);
    const elsewhere = await open(`/api/projects/other/runs/${runId}/stream`);
    expect(elsewhere.status).toBe(404);
    const hidden = await open(`/api/projects/secret/runs/${runId}/stream`, { token: dana });
    expect(hidden.status).toBe(404);
    // A viewer of the project may read its stream.
    const viewer = await open(`/api/projects/shop/runs/${runId}/stream`, { token: vera });
    expect(viewer.status).toBe(200);
    await viewer.until('the end', (reader) => reader.ended);
  });

  it('retries a failed run as a new run with trigger retry, and refuses what cannot be retried', async () => {
    writeFileSync(`${gate}.fail`, '');
    // The gate closed, so the deploy waits for it while the run is running (and cannot end unseen).
    rmSync(gate, { force: true });
    const sha = await pushMain('CHANGES.md');
    const failing = await stagingRunOf(sha);
    // Running: refused.
    await until(
      'the run to start',
      async () => (await api<ApiRun>('GET', `/api/projects/shop/runs/${failing.id}`)).body,
      (run) => run.status === 'running',
    );
    const early = await api<{ error: { message: string } }>('POST', `/api/projects/shop/runs/${failing.id}/retry`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('only a failed or canceled run can be retried');
    // Open the gate: with `<gate>.fail` there, the deploy fails.
    writeFileSync(gate, '');
    const stream = await open(`/api/projects/shop/runs/${failing.id}/stream`);
    await stream.until('the end', (reader) => reader.ended);
    expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'failed' } });
    expect(stream.lines()).toContain('the cluster refused the manifest');

    expect((await api('POST', `/api/projects/shop/runs/${failing.id}/retry`, vera)).status).toBe(403);
    const succeeded = await api<{ error: { message: string } }>('POST', `/api/projects/shop/runs/${runId}/retry`, dana);
    expect(succeeded.status).toBe(409);
    expect(succeeded.body.error.message).toContain('succeeded: there is nothing to retry');
    expect((await api('POST', `/api/projects/other/runs/${failing.id}/retry`, dana)).status).toBe(404);

    rmSync(`${gate}.fail`);
    const retried = await api<ApiRun>('POST', `/api/projects/shop/runs/${failing.id}/retry`, dana);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body).toMatchObject({
      environment: 'staging',
      sha,
      trigger: 'retry',
      actor: 'dana',
      kind: 'deploy',
    });
    expect(retried.body.id).not.toBe(failing.id);
    const done = await until(
      'the retried run to end',
      async () => (await api<ApiRun>('GET', `/api/projects/shop/runs/${retried.body.id}`)).body,
      (run) => run.status !== 'queued' && run.status !== 'running',
    );
    expect(done.status).toBe('succeeded');
    expect((await api<ApiRun>('GET', `/api/projects/shop/runs/${failing.id}`)).body.status).toBe('failed');
  }, 150_000);

  it('refuses to retry the preview of a closed PR', async () => {
    writeFileSync(`${gate}.fail`, '');
    await admin.git('switch', '-qc', 'feature/TF-1-page');
    writeFileSync(join(admin.dir, 'page.txt'), 'page\n');
    await admin.git('add', '-A');
    await admin.git('commit', '-qm', 'feat: a page');
    await admin.git('push', '-q', 'origin', 'HEAD:feature/TF-1-page');
    const opened = await server.api<{ number: number }>('POST', '/api/projects/shop/pulls', {
      body: { head: 'feature/TF-1-page', title: 'feat: a page (TF-1)', body: BODY },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const number = opened.body.number;
    const preview = await until('the preview run to fail', runs, (all) =>
      all.some((run) => run.environment === 'preview' && run.pr === number && run.status === 'failed'),
    ).then((all) => all.find((run) => run.environment === 'preview' && run.pr === number) as ApiRun);
    expect((await server.api('POST', `/api/projects/shop/pulls/${number}/close`)).status).toBe(200);
    const refused = await api<{ error: { message: string } }>('POST', `/api/projects/shop/runs/${preview.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `PR #${number} is closed: its preview is not deployed again; reopen the PR to get one`,
    );
    expect(existsSync(gate)).toBe(true);
  });
});
