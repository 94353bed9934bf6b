// The environment proxy over real loopback HTTP: host routing in front of Fastify, streaming, websockets, 404/502, port mode.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EnvironmentRef, environmentOfHost } from './environment.js';
import { createProxy, type EnvironmentProxy } from './proxy.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, host?: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, agent: false, headers: host ? { host } : {}, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** An upstream app: echoes what it saw, streams on /stream, echoes websocket bytes. */
function upstream(name: string) {
  let releaseStream: () => void = () => {};
  const server = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      // The rest only once the client has the first chunk: proves nothing is buffered on the way.
      releaseStream = () => res.end('second\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name,
          method: req.method,
          url: req.url,
          host: req.headers.host,
          forwardedFor: req.headers['x-forwarded-for'] ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
  server.on('upgrade', (_req, socket: Socket) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n' +
        `x-upstream: ${name}\r\n\r\n`,
    );
    socket.on('data', (data: Buffer) => socket.write(`${name}:${data.toString('utf8')}`));
    socket.on('end', () => socket.end());
  });
  return { server, release: () => releaseStream() };
}

const shopPreview: EnvironmentRef = { project: 'shop', environment: 'preview', pr: 1 };
const shopStaging: EnvironmentRef = { project: 'shop', environment: 'staging' };

describe('environmentOfHost', () => {
  it.each([
    ['pr-1.shop.localhost', { project: 'shop', environment: 'preview', pr: 1 }],
    ['PR-12.Shop.localhost:4400', { project: 'shop', environment: 'preview', pr: 12 }],
    ['staging.shop.localhost', { project: 'shop', environment: 'staging' }],
    ['shop.localhost', { project: 'shop', environment: 'production' }],
    ['shop.localhost.', { project: 'shop', environment: 'production' }],
    ['staging.localhost', { project: 'staging', environment: 'production' }],
    ['my-app.localhost:80', { project: 'my-app', environment: 'production' }],
    ['localhost:4400', null],
    ['localhost', null],
    ['127.0.0.1:4400', null],
    ['[::1]:4400', null],
    ['pr-0.shop.localhost', null],
    ['pr-1.staging.shop.localhost', null],
    ['shop.example.com', null],
    ['-shop.localhost', null],
    ['', null],
    [undefined, null],
  ])('%s → %j', (host, expected) => {
    expect(environmentOfHost(host)).toEqual(expected);
  });
});

describe('host mode in front of Fastify', () => {
  let dataDir: string;
  let api: FastifyInstance;
  let apiPort: number;
  let proxy: EnvironmentProxy;
  const a = upstream('a');
  const b = upstream('b');
  let aPort: number;
  let bPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-proxy-'));
    aPort = await listen(a.server);
    bPort = await listen(b.server);
    api = Fastify();
    api.get('/api/hello', async () => ({ api: true }));
    proxy = createProxy({ mode: 'host', serverPort: () => apiPort, dataDir });
    proxy.install(api.server);
    await api.listen({ port: 0, host: '127.0.0.1' });
    apiPort = (api.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    await api.close();
    await close(a.server);
    await close(b.server);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves the API alone: localhost, 127.0.0.1 and no Host at all reach Fastify', async () => {
    for (const host of [`localhost:${apiPort}`, `127.0.0.1:${apiPort}`, undefined]) {
      const answer = await get(apiPort, '/api/hello', host);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ api: true });
    }
    expect((await get(apiPort, '/nowhere', `localhost:${apiPort}`)).status).toBe(404);
  });

  it('routes a preview host to its upstream, keeping Host and adding x-forwarded-for; bodies pass', async () => {
    proxy.route(shopPreview, aPort);
    expect(await proxy.expose(shopPreview)).toBe(`http://pr-1.shop.localhost:${apiPort}`);
    const answer = await get(apiPort, '/products?x=1', `pr-1.shop.localhost:${apiPort}`, 'POST', 'hello');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      name: 'a',
      method: 'POST',
      url: '/products?x=1',
      host: `pr-1.shop.localhost:${apiPort}`,
      forwardedFor: '127.0.0.1',
      body: 'hello',
    });
    // Fastify's helmet-style headers never reach a proxied answer: the app's own headers do.
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it('flips the route for the next request', async () => {
    proxy.route(shopPreview, aPort);
    expect(JSON.parse((await get(apiPort, '/', 'pr-1.shop.localhost')).body).name).toBe('a');
    proxy.route(shopPreview, bPort);
    expect(JSON.parse((await get(apiPort, '/', 'pr-1.shop.localhost')).body).name).toBe('b');
    expect(proxy.upstreamOf(shopPreview)).toBe(bPort);
  });

  it('streams: the first chunk arrives before the upstream has ended the answer', async () => {
    proxy.route(shopStaging, aPort);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: apiPort,
          path: '/stream',
          agent: false,
          headers: { host: 'staging.shop.localhost' },
        },
        (res) => {
          let received = '';
          res.on('data', (chunk: Buffer) => {
            received += chunk.toString('utf8');
            if (received === 'first\n') a.release();
          });
          res.on('end', () => resolve(received));
        },
      );
      req.setTimeout(5000, () => req.destroy(new Error('stream stalled: the proxy buffered the answer')));
      req.on('error', reject);
      req.end();
    });
    expect(text).toBe('first\nsecond\n');
  });

  it('proxies a websocket upgrade both ways', async () => {
    proxy.route(shopPreview, bPort);
    const echoed = await new Promise<{ header: string | undefined; data: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: apiPort,
        path: '/socket',
        agent: false,
        headers: { host: 'pr-1.shop.localhost', connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.setTimeout(5000, () => req.destroy(new Error('no upgrade within 5 s')));
      req.on('upgrade', (res, socket) => {
        socket.once('data', (data: Buffer) => {
          resolve({ header: res.headers['x-upstream'] as string | undefined, data: data.toString('utf8') });
          socket.destroy();
        });
        socket.write('ping');
      });
      req.on('response', (res) => reject(new Error(`answered ${res.statusCode} instead of upgrading`)));
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toEqual({ header: 'b', data: 'b:ping' });
  });

  it('answers 404 in plain words for an environment with nothing deployed', async () => {
    const preview = await get(apiPort, '/', 'pr-3.shop.localhost');
    expect(preview.status).toBe(404);
    expect(preview.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(preview.body).toBe('no preview for PR 3 of shop: open a PR or check `trunkflow envs --project shop`\n');
    const production = await get(apiPort, '/', 'other.localhost');
    expect(production.status).toBe(404);
    expect(production.body).toContain('no production deploy of other');
  });

  it('answers 502 in plain words when the upstream does not answer', async () => {
    const gone = upstream('gone');
    const port = await listen(gone.server);
    await close(gone.server);
    const ref: EnvironmentRef = { project: 'shop', environment: 'production' };
    proxy.route(ref, port);
    const answer = await get(apiPort, '/', 'shop.localhost');
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('production of shop is not answering (ECONNREFUSED)');
    await proxy.forget(ref);
    expect((await get(apiPort, '/', 'shop.localhost')).status).toBe(404);
  });

  it('refuses an upgrade that names no environment, as Node would', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: apiPort,
        path: '/',
        agent: false,
        headers: { host: 'localhost', connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
  });
});

describe('closing', () => {
  it('ends proxied streams still open, so the server it is installed in can close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-proxy-close-'));
    const app = upstream('app');
    const appPort = await listen(app.server);
    const api = Fastify();
    const proxy = createProxy({ mode: 'host', serverPort: () => 0, dataDir });
    proxy.install(api.server);
    await api.listen({ port: 0, host: '127.0.0.1' });
    proxy.route(shopStaging, appPort);
    const port = (api.server.address() as AddressInfo).port;
    // An answer the app never ends, like an event stream; once it flows, the server closes.
    let closing: Promise<void> | undefined;
    const cut = new Promise<void>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/stream', agent: false, headers: { host: 'staging.shop.localhost' } },
        (res) => {
          res.once('data', () => {
            closing = proxy.close().then(() => api.close());
          });
          res.on('close', () => resolve());
        },
      );
      req.on('error', () => resolve());
      req.end();
    });
    const within = <T>(promise: Promise<T>, what: string) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within 5 s`)), 5000)),
      ]);
    await within(cut, 'the stream was not cut');
    await within(closing ?? Promise.reject(new Error('never closed')), 'the API server did not close');
    await close(app.server);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('port mode', () => {
  let dataDir: string;
  const app = upstream('app');
  let appPort: number;
  const proxies: EnvironmentProxy[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-proxy-port-'));
    appPort = await listen(app.server);
  });

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  afterAll(async () => {
    await close(app.server);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives each environment its own loopback port, whatever the Host, and keeps it across a restart', async () => {
    const proxy = createProxy({ mode: 'port', serverPort: () => 1, dataDir });
    proxies.push(proxy);
    const url = await proxy.expose(shopPreview);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await proxy.expose(shopPreview)).toBe(url);
    const port = Number(new URL(url).port);
    expect((await get(port, '/', 'anything')).status).toBe(404);
    proxy.route(shopPreview, appPort);
    const answer = await get(port, '/x', 'anything');
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'app', url: '/x' });
    // Its host name still routes, on a server the proxy is installed in.
    expect(proxy.upstreamOf(shopPreview)).toBe(appPort);

    const staging = await proxy.expose(shopStaging);
    expect(staging).not.toBe(url);
    await proxy.close();

    const again = createProxy({ mode: 'host', serverPort: () => 4400, dataDir });
    proxies.push(again);
    expect(await again.expose(shopPreview, 'port')).toBe(url);
    // Back to host mode (trunkflow.yml changed): the port closes, the URL is the host name.
    expect(await again.expose(shopPreview)).toBe('http://pr-1.shop.localhost:4400');
    await expect(get(port, '/', 'anything')).rejects.toThrow(/ECONNREFUSED/);
    expect(await again.expose(shopStaging, 'port')).toBe(staging);
    await again.forget(shopStaging);
    await expect(get(Number(new URL(staging).port), '/', 'anything')).rejects.toThrow(/ECONNREFUSED/);
  });
});
