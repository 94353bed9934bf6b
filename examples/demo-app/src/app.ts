// The demo's HTTP server: pages, health, version and metrics, and the deliberate breakage BROKEN asks for.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BreakMode, DemoConfig } from './config.js';
import { greeting } from './greeting.js';
import type { Log } from './log.js';
import { createMetrics } from './metrics.js';
import { errorPage, helloPage, homePage, PRODUCTS, productPage, productsPage } from './pages.js';

export type RouteName = '/' | '/hello' | '/products' | '/products/:id' | '/healthz' | '/version' | '/metrics';

/**
 * What answers 500 once broken. The pages are `/`, `/hello`, `/products` and `/products/:id`, and the
 * two product pages are the half that fail. `/version` and `/metrics` always work, so the broken release
 * can still say what it is and Prometheus keeps seeing its 5xx rate.
 */
export const FAILS_WHEN_BROKEN: Readonly<Record<BreakMode, ReadonlySet<RouteName>>> = {
  off: new Set(),
  all: new Set(['/healthz', '/products', '/products/:id']),
  pages: new Set(['/products', '/products/:id']),
};

/** Schedules `run` after `ms` and returns a function that cancels it; injected so tests decide when. */
export type Schedule = (run: () => void, ms: number) => () => void;

export interface AppOptions {
  config: DemoConfig;
  log: Log;
  schedule?: Schedule;
}

export interface DemoApp {
  server: Server;
  isBroken(): boolean;
  /** Stops taking connections, lets requests in flight finish, and resolves once the server is closed. */
  close(): Promise<void>;
}

interface Match {
  route: RouteName;
  id?: string;
}

const FIXED_ROUTES: ReadonlySet<string> = new Set<RouteName>([
  '/',
  '/hello',
  '/products',
  '/healthz',
  '/version',
  '/metrics',
]);

export const matchRoute = (pathname: string): Match | undefined => {
  if (FIXED_ROUTES.has(pathname)) return { route: pathname as RouteName };
  const product = /^\/products\/([^/]+)$/.exec(pathname);
  if (product?.[1] !== undefined) return { route: '/products/:id', id: product[1] };
  return undefined;
};

/** The request target as a URL, or undefined for one that does not parse (such as `http://[`). */
const parseUrl = (target: string | undefined): URL | undefined => {
  try {
    return new URL(target ?? '/', 'http://demo.invalid');
  } catch {
    return undefined;
  }
};

// Anything else is folded into one label value, so odd clients cannot grow the metric's label set.
const methodLabel = (method: string | undefined): string =>
  method === 'GET' || method === 'HEAD' || method === 'POST' ? method : 'OTHER';

const send = (response: ServerResponse, status: number, type: string, body: string): void => {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
};

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

const defaultSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export const createApp = ({ config, log, schedule = defaultSchedule }: AppOptions): DemoApp => {
  const metrics = createMetrics(config);
  const failing = FAILS_WHEN_BROKEN[config.breakMode];
  let broken = false;
  let cancelBreak: (() => void) | undefined;

  const handle = async (
    request: IncomingMessage,
    response: ServerResponse,
    match: Match | undefined,
    query: URLSearchParams,
  ) => {
    if (match === undefined) return send(response, 404, HTML, errorPage(404, 'There is no page here.'));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, TEXT, 'Only GET and HEAD are served.\n');
    }
    if (broken && failing.has(match.route)) {
      return send(response, 500, match.route === '/healthz' ? TEXT : HTML, 'Broken on purpose (BROKEN file).\n');
    }
    switch (match.route) {
      case '/':
        return send(response, 200, HTML, homePage(config));
      case '/hello': {
        const hour = Number(query.get('hour') ?? '12');
        if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
          return send(response, 400, HTML, errorPage(400, '`hour` must be a whole number from 0 to 23.'));
        }
        return send(response, 200, HTML, helloPage(greeting(query.get('name') ?? '', hour)));
      }
      case '/products':
        return send(response, 200, HTML, productsPage());
      case '/products/:id': {
        const product = PRODUCTS.find((entry) => entry.id === match.id);
        if (product === undefined) return send(response, 404, HTML, errorPage(404, 'There is no such product.'));
        return send(response, 200, HTML, productPage(product));
      }
      case '/healthz':
        return send(response, 200, TEXT, 'ok\n');
      case '/version':
        return send(
          response,
          200,
          'application/json',
          JSON.stringify({ sha: config.sha, version: config.version, env: config.env }),
        );
      case '/metrics': {
        const body = await metrics.registry.metrics();
        return send(response, 200, metrics.registry.contentType, body);
      }
      default: {
        const unreachable: never = match.route;
        throw new Error(`unhandled route ${String(unreachable)}`);
      }
    }
  };

  const server = createServer((request, response) => {
    const started = process.hrtime.bigint();
    const url = parseUrl(request.url);
    const pathname = url?.pathname ?? String(request.url);
    const match = url === undefined ? undefined : matchRoute(url.pathname);
    response.once('finish', () => {
      const labels = {
        method: methodLabel(request.method),
        route: match?.route ?? 'unmatched',
        status_code: String(response.statusCode),
      };
      metrics.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      if (response.statusCode >= 500) {
        log('error', `${request.method} ${pathname} answered ${response.statusCode}`, { ...labels, path: pathname });
      }
    });
    handle(request, response, match, url?.searchParams ?? new URLSearchParams()).catch((error: unknown) => {
      log('error', 'request failed', { path: pathname, error: String(error) });
      if (response.headersSent) response.destroy();
      else send(response, 500, TEXT, 'Internal error.\n');
    });
  });

  server.once('listening', () => {
    if (config.breakMode === 'off') return;
    log('warn', `BROKEN marker in production: breaking in ${config.breakAfterMs} ms`, {
      mode: config.breakMode,
      routes: [...failing],
    });
    cancelBreak = schedule(() => {
      broken = true;
      metrics.setBroken(true);
      log('error', 'now broken on purpose', { mode: config.breakMode, routes: [...failing] });
    }, config.breakAfterMs);
  });

  return {
    server,
    isBroken: () => broken,
    close: () =>
      new Promise<void>((resolve, reject) => {
        cancelBreak?.();
        if (!server.listening) return resolve();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }),
  };
};
