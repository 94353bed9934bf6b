// The running server over real loopback HTTP: pages, health, version, and the request metrics.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchRoute } from '../src/app.js';
import { escapeHtml } from '../src/pages.js';
import { baseConfig, type Running, sampleValue, scrape, startApp } from './helpers.js';

describe('the demo app', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startApp();
  });

  afterAll(async () => {
    await running.app.close();
  });

  it('answers the health check with ok', async () => {
    const response = await running.get('/healthz');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });

  it('tells its sha, version and environment', async () => {
    const response = await running.get('/version');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      sha: '0123456789abcdef0123456789abcdef01234567',
      version: 'v1.2.3',
      env: 'staging',
    });
  });

  it('shows its name, version and environment on the home page', async () => {
    const response = await running.get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<h1>Trunkflow demo</h1>');
    expect(html).toContain('<dd id="version">v1.2.3</dd>');
    expect(html).toContain('<dd id="env">staging</dd>');
    expect(html).toContain('<dd id="sha">0123456789ab</dd>');
  });

  it('lists the products and shows each one', async () => {
    const list = await running.get('/products');
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<a href="/products/teapot">Teapot</a> €24.00');
    const one = await running.get('/products/mug');
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('<h1>Mug</h1>');
  });

  it('answers 404 for an unknown product or page', async () => {
    expect((await running.get('/products/spoon')).status).toBe(404);
    expect((await running.get('/nope')).status).toBe(404);
  });

  it('greets with the name escaped', async () => {
    const response = await running.get('/hello?name=%3Cb%3EAda&hour=9');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<h1>Good morning, &lt;b&gt;Ada!</h1>');
    expect((await running.get('/hello?hour=25')).status).toBe(400);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await running.get('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await running.get('/healthz', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('counts requests by method, route and status code, and times them', async () => {
    const before = await scrape(running);
    const count = (samples: typeof before, route: string, status: string, method = 'GET') =>
      sampleValue(samples, 'http_requests_total', { method, route, status_code: status }) ?? 0;
    await running.get('/products/mug');
    await running.get('/products/mug');
    await running.get('/products/spoon');
    await running.get('/a/b/c');
    await running.get('/version', { method: 'DELETE' });
    const after = await scrape(running);
    expect(count(after, '/products/:id', '200') - count(before, '/products/:id', '200')).toBe(2);
    expect(count(after, '/products/:id', '404') - count(before, '/products/:id', '404')).toBe(1);
    expect(count(after, 'unmatched', '404') - count(before, 'unmatched', '404')).toBe(1);
    expect(count(after, '/version', '405', 'OTHER') - count(before, '/version', '405', 'OTHER')).toBe(1);
    const timed = sampleValue(after, 'http_request_duration_seconds_count', {
      method: 'GET',
      route: '/products/:id',
      status_code: '200',
    });
    expect(timed).toBe(count(after, '/products/:id', '200'));
    expect(after.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(sampleValue(after, 'demo_app_info', { env: 'staging', sha: baseConfig.sha ?? '', version: 'v1.2.3' })).toBe(
      1,
    );
    expect(sampleValue(after, 'demo_app_broken', { mode: 'off' })).toBe(0);
  });
});

describe('matchRoute', () => {
  it.each([
    { path: '/', route: '/' },
    { path: '/products', route: '/products' },
    { path: '/products/kettle', route: '/products/:id' },
    { path: '/products/kettle/', route: undefined },
    { path: '/products/', route: undefined },
    { path: '/healthz/', route: undefined },
    { path: '/metrics', route: '/metrics' },
  ])('matches $path to $route', ({ path, route }) => {
    expect(matchRoute(path)?.route).toBe(route);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('a request target that is not a URL', () => {
  it('answers 404 and keeps serving', async () => {
    const running = await startApp();
    try {
      const port = new URL(running.base).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.end('GET http://[ HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n');
        });
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
      expect((await running.get('/healthz')).status).toBe(200);
    } finally {
      await running.app.close();
    }
  });
});
