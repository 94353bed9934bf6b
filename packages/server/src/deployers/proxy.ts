// Trunkflow's reverse proxy: each environment at its own host on the server's port (or its own loopback port).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
// http-proxy-3 rather than @fastify/http-proxy: the proxy must claim a request by its Host header
// before Fastify sees it (Fastify's own onRequest hooks answer unknown routes with the API's 404
// and set the API's security headers on the raw response), pick the upstream per request, and
// also serve from plain per-environment servers in port mode. http-proxy-3 works on Node's raw
// request, response and upgrade socket, streams both ways, proxies websockets, is the maintained
// rewrite of http-proxy (Vite and JupyterHub ship it), and its 1.x line supports Node 20.
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import {
  describeEnvironment,
  type EnvironmentRef,
  environmentHost,
  environmentKey,
  environmentOfHost,
} from './environment.js';

export type ProxyMode = 'host' | 'port';

export interface ProxyOptions {
  /**
   * The default for `expose`. `host`: the environment's URL is its host name on the server's port.
   * `port`: it also gets a loopback port of its own, and that is its URL, for clients that cannot
   * set the Host header. Host names are routed in both modes.
   */
  mode: ProxyMode;
  /** The port the server listens on, read whenever a host-mode URL is made (listen may pick it late). */
  serverPort: () => number;
  /** Port mode remembers each environment's port in `<dataDir>/deploys/proxy-ports.json`, so URLs survive a restart. */
  dataDir: string;
  logger?: Pick<Logger, 'warn'>;
}

export interface EnvironmentProxy {
  readonly mode: ProxyMode;
  /**
   * The environment's public URL (its TRUNKFLOW_URL). `port` mode (trunkflow.yml's `proxy.mode`,
   * else the proxy's default) opens its port, the one it had before if it can; `host` closes it.
   */
  expose(environment: EnvironmentRef, mode?: ProxyMode): Promise<string>;
  /** Sends the environment's traffic to a loopback port from the next request on: one map write, so the flip is atomic. */
  route(environment: EnvironmentRef, upstreamPort: number): void;
  upstreamOf(environment: EnvironmentRef): number | null;
  /** Stops routing and, in port mode, closes the environment's port. */
  forget(environment: EnvironmentRef): Promise<void>;
  /** Serves the request when its Host names an environment and returns true; false leaves it alone. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** The same for a websocket upgrade. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Puts the proxy in front of every `request` and `upgrade` listener the server already has
   * (Fastify's): environment hosts are served here, everything else reaches them untouched.
   */
  install(server: Server): void;
  /**
   * Closes the per-environment ports and every proxied connection still open (an app's event
   * stream or websocket would otherwise hold the server's own close). Call it before the server's.
   */
  close(): Promise<void>;
}

function plainText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(`${text}\n`),
  });
  res.end(`${text}\n`);
}

function plainTextOnSocket(socket: Duplex, status: number, reason: string, text: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** The 404 for an environment with nothing deployed, saying how to get one. */
export function notDeployedText(ref: EnvironmentRef): string {
  const envs = `\`trunkflow envs --project ${ref.project}\``;
  switch (ref.environment) {
    case 'preview':
      return `no preview for PR ${ref.pr} of ${ref.project}: open a PR or check ${envs}`;
    case 'staging':
      return `no staging deploy of ${ref.project}: a change to trunk deploys it; check ${envs}`;
    case 'production':
      return `no production deploy of ${ref.project}: a release tag deploys it; check ${envs}`;
  }
}

function upstreamDownText(ref: EnvironmentRef, detail: string): string {
  return `${describeEnvironment(ref)} is not answering (${detail}): it may be starting or restarting; check \`trunkflow envs --project ${ref.project}\` and its deploy logs`;
}

interface PortListener {
  server: Server;
  port: number;
}

export function createProxy(options: ProxyOptions): EnvironmentProxy {
  const upstreams = new Map<string, { ref: EnvironmentRef; port: number }>();
  const listeners = new Map<string, Promise<PortListener>>();
  const deploysDir = resolve(options.dataDir, 'deploys');
  const portsFile = join(deploysDir, 'proxy-ports.json');
  // Each request names its target; x-forwarded-* tell the app where the request came from.
  // No agent: a new loopback connection per request, so no pooled socket to an app that is
  // shutting down after a switch can fail a request meant for the new one.
  const proxy = createProxyServer({ xfwd: true });
  proxy.on('error', (error) => options.logger?.warn({ error: error.message }, 'proxy error'));

  const inFlight = new Set<ServerResponse>();

  const forward = (ref: EnvironmentRef, req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    const upstream = upstreams.get(environmentKey(ref));
    if (upstream === undefined) {
      plainText(res, 404, notDeployedText(ref));
      return;
    }
    proxy.web(req, res, { target: { host: '127.0.0.1', port: upstream.port } }, (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      plainText(res as ServerResponse, 502, upstreamDownText(ref, code));
    });
  };

  const upgraded = new Set<Duplex>();

  const forwardUpgrade = (ref: EnvironmentRef, req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const upstream = upstreams.get(environmentKey(ref));
    if (upstream === undefined) {
      plainTextOnSocket(socket, 404, 'Not Found', notDeployedText(ref));
      return;
    }
    proxy.ws(req, socket, head, { target: { host: '127.0.0.1', port: upstream.port } }, (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      plainTextOnSocket(socket, 502, 'Bad Gateway', upstreamDownText(ref, code));
    });
  };

  const readPorts = async (): Promise<Record<string, number>> => {
    try {
      const parsed: unknown = JSON.parse(await readFile(portsFile, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  };

  const writePorts = async (ports: Record<string, number>) => {
    await mkdir(deploysDir, { recursive: true, mode: 0o700 });
    await writeFile(`${portsFile}.tmp`, `${JSON.stringify(ports, null, 2)}\n`, { mode: 0o600 });
    await rename(`${portsFile}.tmp`, portsFile);
  };

  const listenOn = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });

  const listenFor = async (ref: EnvironmentRef, key: string): Promise<PortListener> => {
    const server = createServer((req, res) => forward(ref, req, res));
    server.on('upgrade', (req, socket, head) => forwardUpgrade(ref, req, socket, head));
    const ports = await readPorts();
    const remembered = ports[key];
    let port: number;
    try {
      port = await listenOn(server, typeof remembered === 'number' ? remembered : 0);
    } catch (error) {
      // Someone else took the remembered port while the server was down: the URL changes, once.
      options.logger?.warn({ environment: key, port: remembered, error: (error as Error).message }, 'port taken');
      port = await listenOn(server, 0);
    }
    if (ports[key] !== port) await writePorts({ ...(await readPorts()), [key]: port });
    return { server, port };
  };

  /** One listener per environment, also when two deploys ask at once. */
  const openPort = (ref: EnvironmentRef): Promise<PortListener> => {
    const key = environmentKey(ref);
    let listener = listeners.get(key);
    if (listener === undefined) {
      listener = listenFor(ref, key);
      listeners.set(key, listener);
      listener.catch(() => listeners.delete(key));
    }
    return listener;
  };

  const closeServer = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  /** Closes the environment's own port, if it has one, and forgets the number. */
  const closePort = async (ref: EnvironmentRef) => {
    const key = environmentKey(ref);
    const opening = listeners.get(key);
    if (opening === undefined) return;
    listeners.delete(key);
    const listener = await opening.catch(() => null);
    if (listener !== null) await closeServer(listener.server);
    const ports = await readPorts();
    delete ports[key];
    await writePorts(ports);
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    const ref = environmentOfHost(req.headers.host);
    if (ref === null) return false;
    forward(ref, req, res);
    return true;
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const ref = environmentOfHost(req.headers.host);
    if (ref === null) return false;
    forwardUpgrade(ref, req, socket, head);
    return true;
  };

  return {
    mode: options.mode,
    async expose(ref, mode = options.mode) {
      if (mode === 'port') {
        const { port } = await openPort(ref);
        return `http://127.0.0.1:${port}`;
      }
      await closePort(ref);
      return `http://${environmentHost(ref)}:${options.serverPort()}`;
    },
    route(ref, upstreamPort) {
      upstreams.set(environmentKey(ref), { ref, port: upstreamPort });
    },
    upstreamOf(ref) {
      return upstreams.get(environmentKey(ref))?.port ?? null;
    },
    async forget(ref) {
      upstreams.delete(environmentKey(ref));
      await closePort(ref);
    },
    handleRequest,
    handleUpgrade,
    install(server) {
      const requestListeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
      const upgradeListeners = server.listeners('upgrade') as ((req: IncomingMessage, s: Duplex, h: Buffer) => void)[];
      server.removeAllListeners('request');
      server.removeAllListeners('upgrade');
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (handleRequest(req, res)) return;
        for (const listener of requestListeners) listener.call(server, req, res);
      });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (handleUpgrade(req, socket, head)) return;
        if (upgradeListeners.length === 0) {
          // Node would have closed an upgrade nobody listens for; now that we listen, we refuse it ourselves.
          plainTextOnSocket(socket, 404, 'Not Found', 'this server takes no upgrades here');
          return;
        }
        for (const listener of upgradeListeners) listener.call(server, req, socket, head);
      });
    },
    async close() {
      const open = [...listeners.values()];
      listeners.clear();
      upstreams.clear();
      for (const socket of upgraded) socket.destroy();
      upgraded.clear();
      for (const res of inFlight) res.destroy();
      inFlight.clear();
      await Promise.all(
        open.map(async (opening) => {
          const listener = await opening.catch(() => null);
          if (listener !== null) await closeServer(listener.server);
        }),
      );
    },
  };
}
