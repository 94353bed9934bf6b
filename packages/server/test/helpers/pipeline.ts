// What the pipeline's end-to-end tests share: bounded waits, a signed-webhook receiver, requests by Host, and stopping deployed apps.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Polls `read` until `done` holds (bounded); the last value is returned or the wait fails with it. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 240_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((wait) => setTimeout(wait, 500));
    last = await read();
  }
  return last;
}

/** The process groups of every app the deployers recorded under `root` (`<project>/<env>/state.json`). */
export async function deployedGroups(root: string): Promise<number[]> {
  const pids: number[] = [];
  const projects = await readdir(root).catch(() => [] as string[]);
  for (const project of projects) {
    for (const environment of await readdir(join(root, project)).catch(() => [] as string[])) {
      const text = await readFile(join(root, project, environment, 'state.json'), 'utf8').catch(() => null);
      if (text === null) continue;
      // The record is `{ format, state: { current, previous, pending } }`.
      const state =
        (JSON.parse(text) as { state?: Record<string, { pid?: number | null } | null | undefined> }).state ?? {};
      for (const release of [state.current, state.previous, state.pending]) {
        if (typeof release?.pid === 'number') pids.push(release.pid);
      }
    }
  }
  return pids;
}

/** SIGKILLs each process group (deployed apps are group leaders); one already gone is skipped. */
export function killGroups(pids: Iterable<number>): void {
  for (const pid of new Set(pids)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Whether the process runs: it exists and is no zombie (an app whose server was killed is
 * reparented, and a container's init may be slow to reap it, or never do).
 */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${pid} is not a process id`);
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // The state follows the parenthesised command name: "<pid> (<comm>) <state> …".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc here, or the process just went: kill(0) said it was there.
    return !existsSync('/proc/self');
  }
}

/** A request through Trunkflow's proxy by Host header (fetch cannot set Host); status 0 when nothing answered. */
export function viaHost(serverUrl: string, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done) => {
    const request = httpGet(`${serverUrl}${path}`, { headers: { host }, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', () => done({ status: 0, body: '' }));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => done({ status: 0, body: '' }));
  });
}

export interface Delivery {
  event: string | undefined;
  /** The signature is HMAC-SHA256 of "<timestamp>.<raw body>" with the target's secret, computed here. */
  verified: boolean;
  /** Seconds between the delivery's timestamp and its arrival. */
  age: number;
  body: {
    type?: string;
    tag?: string | null;
    environment?: string;
    sha?: string;
    authors?: string[];
    summary?: string | null;
  };
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  /** The secret deliveries are checked against: the one `notify add` answered. */
  secret: string;
  close(): Promise<void>;
}

/** A local webhook receiver that checks each delivery's signature itself, with its own HMAC. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const receiver: WebhookReceiver = { url: '', deliveries, secret: '', close: async () => {} };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(request.headers['x-trunkflow-timestamp'] ?? '');
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', receiver.secret).update(`${timestamp}.${raw}`).digest('hex')}`,
      );
      const given = Buffer.from(String(request.headers['x-trunkflow-signature'] ?? ''));
      deliveries.push({
        event: request.headers['x-trunkflow-event'] as string | undefined,
        verified: given.length === expected.length && timingSafeEqual(given, expected),
        age: Math.floor(Date.now() / 1000) - Number(timestamp),
        body: JSON.parse(raw) as Delivery['body'],
      });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise<void>((done) => server.close(() => done()));
  return receiver;
}

/** The body a PR needs for the default checks: a summary and a ticked "User flows tested" list. */
export const CHECKLIST = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the home page\n';

type Api = <T = unknown>(
  method: string,
  path: string,
  options?: { token?: string; body?: unknown },
) => Promise<{ status: number; body: T }>;

export interface PullFlow {
  api: Api;
  project: string;
  /** Opens and merges. */
  author: string;
  /** Approves. */
  reviewer: string;
  /** Runs git in the working copy; its remote is the project's. */
  git: (...args: string[]) => Promise<string>;
  remote: () => string;
  commit: (message: string) => Promise<string>;
}

/**
 * Trunk's latest into a new branch, `change`, a commit titled `title`, pushed and opened as a PR;
 * once its checks ran, approved and merged. Answers the PR's number and the merge's sha.
 */
export async function openAndMerge(
  flow: PullFlow,
  branch: string,
  title: string,
  change: () => Promise<void>,
): Promise<{ number: number; sha: string }> {
  const { api, project } = flow;
  const expectStatus = (what: string, answer: { status: number; body: unknown }, status: number) => {
    if (answer.status !== status) {
      throw new Error(`${what} answered ${answer.status}, not ${status}: ${JSON.stringify(answer.body)}`);
    }
  };
  await flow.git('switch', '-q', 'main');
  await flow.git('pull', '-q', flow.remote(), 'main');
  await flow.git('switch', '-q', '-c', branch);
  await change();
  await flow.commit(title);
  await flow.git('push', '-q', flow.remote(), `HEAD:${branch}`);
  const opened = await api<{ number: number }>('POST', `/api/projects/${project}/pulls`, {
    token: flow.author,
    body: { head: branch, title, body: CHECKLIST },
  });
  expectStatus(`opening ${branch}`, opened, 201);
  const number = opened.body.number;
  await until(
    `PR #${number}'s checks`,
    async () => (await api<{ status: string }>('GET', `/api/projects/${project}/pulls/${number}/checks`)).body.status,
    (status) => status !== 'pending',
  );
  const review = await api('POST', `/api/projects/${project}/pulls/${number}/reviews`, {
    token: flow.reviewer,
    body: { verdict: 'approve' },
  });
  expectStatus(`approving #${number}`, review, 201);
  const merged = await api<{ merged: boolean; sha: string }>('POST', `/api/projects/${project}/pulls/${number}/merge`, {
    token: flow.author,
    body: {},
  });
  expectStatus(`merging #${number}`, merged, 200);
  if (merged.body.merged !== true) throw new Error(`#${number} did not merge: ${JSON.stringify(merged.body)}`);
  return { number, sha: merged.body.sha };
}
