// The HTTP client's error mapping and request shape, against small real HTTP servers on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, TrunkflowClient } from '../src/client/http-client.js';
import { UsageError } from '../src/errors.js';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';
import { freePort, TempDirs } from './helpers/server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
const dirs = new TempDirs();
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  dirs.removeAll();
});

/** A loopback server answering every request with `answer`, recording what it saw. */
async function fakeServer(
  answer: (seen: Seen, response: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      answer(entry, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://localhost:${port}`, seen };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function testIo(): CliIo & { out: string; err: string } {
  const home = dirs.make('home');
  const io = {
    cwd: home,
    env: { HOME: home, XDG_CONFIG_HOME: `${home}/config` },
    out: '',
    err: '',
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    color: false,
    now: () => new Date('2026-03-10T12:00:00Z'),
    setExitCode: () => {},
  };
  return io;
}

async function cli(url: string, ...args: string[]) {
  const io = testIo();
  const code = await main(['node', 'trunkflow', ...args, '--server', url, '--token', 'tf_test'], io);
  return { code, out: io.out, err: io.err };
}

describe('TrunkflowClient requests', () => {
  it('sends the token as a bearer, JSON bodies, and encodes names in paths', async () => {
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, 200, { project: 'a b', user: 'x/y', role: 'developer' }),
    );
    const result = await cli(fake.url, 'admin', 'member', 'set', 'a b', 'x/y', 'developer', '--format', 'json');
    expect(result.code, result.err).toBe(0);
    expect(fake.seen).toHaveLength(1);
    const [request] = fake.seen;
    expect(request).toMatchObject({ method: 'PUT', url: '/api/projects/a%20b/members/x%2Fy' });
    expect(request?.headers.authorization).toBe('Bearer tf_test');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ role: 'developer' });
    expect(JSON.parse(result.out)).toEqual({ project: 'a b', user: 'x/y', role: 'developer' });
  });

  it('keeps fields it does not know in --format json output', async () => {
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, 200, { merged: true, sha: 'a'.repeat(40), number: 3, extra: 'kept' }),
    );
    const result = await cli(fake.url, 'pr', 'merge', '#3', '--project', 'p', '--format', 'json');
    expect(result.code, result.err).toBe(0);
    expect(fake.seen[0]?.url).toBe('/api/projects/p/pulls/3/merge');
    expect(JSON.parse(result.out)).toEqual({ merged: true, sha: 'a'.repeat(40), number: 3, extra: 'kept' });
  });
});

describe('TrunkflowClient errors', () => {
  it('prints a blocked merge with the server message and one line per reason, exit 1', async () => {
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, 409, {
        error: {
          code: 'conflict',
          message: 'pull request #2 cannot be merged: it is a draft; needs 1 approval',
          details: {
            reasons: [
              { code: 'draft', message: 'it is a draft' },
              { code: 'approvals-missing', message: 'needs 1 approval' },
            ],
          },
        },
      }),
    );
    const result = await cli(fake.url, 'pr', 'merge', '2', '--project', 'p');
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      'trunkflow: pull request #2 cannot be merged: it is a draft; needs 1 approval\n  - it is a draft\n  - needs 1 approval\n',
    );
  });

  it('lists the conflicting paths of a merge conflict', async () => {
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, 409, {
        error: { code: 'merge_conflict', message: 'conflicts with main', details: { paths: ['a.ts', 'b.ts'] } },
      }),
    );
    const result = await cli(fake.url, 'pr', 'merge', '2', '--project', 'p');
    expect(result.code).toBe(1);
    expect(result.err).toBe('trunkflow: conflicts with main\n  - a.ts\n  - b.ts\n');
  });

  it('maps a 403 to exit 1 and a 400 to exit 2, with the server message', async () => {
    let status = 403;
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, status, { error: { code: 'x', message: `refused with ${status}`, details: {} } }),
    );
    const forbidden = await cli(fake.url, 'pr', 'approve', '1', '--project', 'p');
    expect(forbidden).toMatchObject({ code: 1, err: 'trunkflow: refused with 403\n' });
    status = 400;
    const invalid = await cli(fake.url, 'pr', 'approve', '1', '--project', 'p');
    expect(invalid).toMatchObject({ code: 2, err: 'trunkflow: refused with 400\n' });
  });

  it('says so when the answer is not what a Trunkflow server sends', async () => {
    const notJson = await fakeServer((_seen, response) => response.writeHead(200).end('<html>hello</html>'));
    const html = await cli(notJson.url, 'whoami');
    expect(html.code).toBe(1);
    expect(html.err).toContain(
      `the server at ${notJson.url} answered GET /api/me with an unexpected response (not JSON)`,
    );
    expect(html.err).toContain('is --server a Trunkflow server');

    const wrongShape = await fakeServer((_seen, response) => sendJson(response, 200, { id: 1 }));
    const shape = await cli(wrongShape.url, 'whoami');
    expect(shape.code).toBe(1);
    expect(shape.err).toContain('with an unexpected response (');

    const bare500 = await fakeServer((_seen, response) => response.writeHead(502).end('bad gateway'));
    const gateway = await cli(bare500.url, 'project', 'list');
    expect(gateway.code).toBe(1);
    expect(gateway.err).toBe(
      `trunkflow: the server at ${bare500.url} answered GET /api/projects with HTTP 502: bad gateway\n`,
    );
  });

  it('tells a stored login apart from a flag when the token is refused', async () => {
    const fake = await fakeServer((_seen, response) =>
      sendJson(response, 401, { error: { code: 'unauthenticated', message: 'missing or invalid token' } }),
    );
    const client = new TrunkflowClient({ server: fake.url, token: 'old', tokenSource: 'stored' });
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).exitCode).toBe(2);
    expect((error as ServerError).message).toBe(
      `the server at ${fake.url} did not accept the token (the stored login is no longer valid): run \`trunkflow login --server ${fake.url} --token <token>\` or pass --token`,
    );
  });

  it('gives up after the timeout, and warns that an action may have happened', async () => {
    const fake = await fakeServer(() => {
      // Never answers.
    });
    const client = new TrunkflowClient({ server: fake.url, token: 't', tokenSource: 'flag', timeoutMs: 200 });
    const read = await client.me().catch((caught: unknown) => caught);
    expect(read).toBeInstanceOf(ServerError);
    expect((read as ServerError).message).toBe(
      `the Trunkflow server at ${fake.url} did not answer GET /api/me within 0.2 s`,
    );
    const write = await client.merge('p', 1).catch((caught: unknown) => caught);
    expect((write as ServerError).message).toContain('the action may or may not have happened');
  });

  it('turns a refused connection into a usage error naming the server', async () => {
    const port = await freePort();
    const client = new TrunkflowClient({ server: `http://localhost:${port}`, token: 't', tokenSource: 'flag' });
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      `cannot reach the Trunkflow server at http://localhost:${port} (ECONNREFUSED): start it with \`trunkflow serve\` or pass --server`,
    );
  });
});

describe('pr text output', () => {
  const pull = {
    number: 4,
    title: 'fix: keep the cart (TF-9)',
    body: 'Keeps it.',
    state: 'open',
    draft: false,
    head: 'feature/TF-9-cart',
    headSha: 'abcdef0123456789abcdef0123456789abcdef01',
    base: 'main',
    author: 'dev-one',
    taskKey: 'TF-9',
    mergeSha: null,
    createdAt: '2026-03-10T12:00:00Z',
    updatedAt: '2026-03-10T12:00:00Z',
    closedAt: null,
    mergedAt: null,
    url: null,
  };
  const findings = [
    { id: 'title-format', status: 'pass', message: 'title follows Conventional Commits', details: {} },
    { id: 'pr-size', status: 'fail', message: '420 lines changed: the limit is 400', details: {} },
  ];

  async function routes() {
    return fakeServer((seen, response) => {
      const path = seen.url.split('?')[0];
      if (path === '/api/projects/p/pulls')
        return sendJson(response, 200, { pulls: [pull, { ...pull, number: 5, draft: true }] });
      if (path === '/api/projects/p/pulls/4/checks')
        return sendJson(response, 200, {
          status: 'completed',
          sha: pull.headSha,
          ok: false,
          findings,
          createdAt: pull.createdAt,
        });
      if (path === '/api/projects/p/pulls/4')
        return sendJson(response, 200, {
          ...pull,
          reviews: [
            {
              id: 'r',
              reviewer: 'dev-two',
              verdict: 'request_changes',
              body: 'split it\nplease',
              sha: 'x',
              dismissed: false,
              createdAt: '',
            },
          ],
          checks: {
            status: 'completed',
            sha: pull.headSha,
            ok: false,
            failing: ['pr-size'],
            createdAt: '',
            configError: null,
          },
          preview: { url: 'http://pr-4.p.localhost:4400', status: 'live', sha: pull.headSha },
        });
      return sendJson(response, 404, { error: { code: 'not_found', message: `no route ${path}`, details: {} } });
    });
  }

  it('lists pull requests as a table, drafts marked', async () => {
    const fake = await routes();
    const result = await cli(fake.url, 'pr', 'list', '--project', 'p', '--state', 'all');
    expect(result.code, result.err).toBe(0);
    expect(fake.seen[0]?.url).toBe('/api/projects/p/pulls?state=all');
    expect(result.out).toBe(
      [
        '#   STATE  AUTHOR   BRANCH                    TITLE',
        '#4  open   dev-one  feature/TF-9-cart → main  fix: keep the cart (TF-9)',
        '#5  draft  dev-one  feature/TF-9-cart → main  fix: keep the cart (TF-9)',
        '',
      ].join('\n'),
    );
  });

  it('shows one pull request with its reviews and a checks summary', async () => {
    const result = await cli((await routes()).url, 'pr', 'view', '4', '--project', 'p');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(
      [
        '#4 fix: keep the cart (TF-9)',
        'open · dev-one wants to merge feature/TF-9-cart (abcdef0) into main',
        'task: TF-9',
        'preview: live at abcdef0 http://pr-4.p.localhost:4400',
        '',
        'Keeps it.',
        '',
        'reviews:',
        '  dev-two requested changes: split it',
        'checks: failed: pr-size at abcdef0 — `trunkflow pr checks 4 --project p` for details',
        '',
      ].join('\n'),
    );
  });

  it('prints checks with the same table as `trunkflow check`, and exits 1 because one failed, as check does', async () => {
    const result = await cli((await routes()).url, 'pr', 'checks', '4', '--project', 'p');
    expect(result.code, result.err).toBe(1);
    expect(result.out).toBe(
      [
        'checks of #4 at abcdef0',
        '',
        'PASS  title-format  title follows Conventional Commits',
        'FAIL  pr-size       420 lines changed: the limit is 400',
        '',
        'check failed: 1 fail, 1 pass',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 with --format json too when a check failed', async () => {
    const result = await cli((await routes()).url, 'pr', 'checks', '4', '--project', 'p', '--format', 'json');
    expect(result.code, result.err).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ ok: false });
  });

  /** Answers `pending` to the first `pendingFor` reads of the checks, then the completed run. */
  async function pendingThenDone(pendingFor: number) {
    let reads = 0;
    const server = await fakeServer((seen, response) => {
      if (seen.url.split('?')[0] !== '/api/projects/p/pulls/4/checks') return sendJson(response, 404, {});
      reads++;
      if (reads <= pendingFor) {
        return sendJson(response, 200, {
          status: 'pending',
          sha: pull.headSha,
          ok: false,
          findings: [],
          createdAt: '',
        });
      }
      const passing = findings.filter((finding) => finding.status === 'pass');
      return sendJson(response, 200, {
        status: 'completed',
        sha: pull.headSha,
        ok: true,
        findings: passing,
        createdAt: '',
      });
    });
    return { ...server, reads: () => reads };
  }

  it('waits while the checks are pending and prints them once done', async () => {
    const server = await pendingThenDone(2);
    const result = await cli(server.url, 'pr', 'checks', '4', '--project', 'p');
    expect(result.code, result.err).toBe(0);
    expect(server.reads()).toBe(3);
    expect(result.out).toContain('checks of #4 at abcdef0');
    expect(result.out).toContain('PASS  title-format');
    // Not a terminal: no step line, only the answer.
    expect(result.err).toBe('');
  });

  it('with --wait 0 answers at once: pending is printed plainly and exits 1, in either format', async () => {
    const server = await pendingThenDone(100);
    const text = await cli(server.url, 'pr', 'checks', '4', '--project', 'p', '--wait', '0');
    expect(text.code).toBe(1);
    expect(text.out).toContain('checks of #4 at abcdef0: still pending after 0 s');
    expect(text.out).toContain('trunkflow pr checks 4 --project p');
    const json = await cli(server.url, 'pr', 'checks', '4', '--project', 'p', '--wait', '0', '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ status: 'pending', sha: pull.headSha });
    expect(server.reads()).toBe(2);
  });

  it('refuses a --wait that is not whole seconds, saying how to write one', async () => {
    const result = await cli('http://127.0.0.1:9', 'pr', 'checks', '4', '--project', 'p', '--wait', 'soon');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--wait "soon" is not valid: give whole seconds from 0');
  });
});
