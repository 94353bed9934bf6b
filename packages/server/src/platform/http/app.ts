// The Fastify instance: zod route contracts, OpenAPI, bearer auth, and one error mapping for every route.
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Actor, Permission } from '../auth/roles.js';
import { can, PERMISSIONS } from '../auth/roles.js';
import { ForbiddenError, HTTP_STATUS, TrunkflowError, UnauthenticatedError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs: a permission, or 'public'. Every /api route must say. */
    permission?: Permission | 'public';
    /** Checked against the instance-wide role only; project routes check inside the service. */
    projectScoped?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  ZodTypeProvider
>;

export interface HttpAppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  /** Node's requestTimeout: the whole request (headers and body) must arrive within it. Default 300 s. */
  requestTimeoutMs?: number;
  authenticate(token: string): Promise<Actor>;
}

/** Reads a bearer token, or a basic-auth password (git clients send tokens that way). */
export function credentialsOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || null;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? null : decoded.slice(colon + 1) || null;
  }
  return null;
}

export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === null) throw new UnauthenticatedError();
  return request.actor;
}

export function requirePermission(actor: Actor, permission: Permission, projectId: string | null): void {
  if (!can(actor, permission, projectId)) {
    throw new ForbiddenError(
      `${actor.name} may not do this: it needs the ${PERMISSIONS[permission]} role${projectId ? ' in this project' : ''}; ask an admin to grant it`,
      { permission },
    );
  }
}

/** A request that announced a body Node has not received in full yet. */
function hasUnreadBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  const announced = raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return announced && !raw.complete;
}

/** How long a refused connection stays half-open so the client can read the refusal; nginx lingers too. */
const LINGER_MS = 1000;

/**
 * Node ends a `connection: close` response with socket.destroySoon(): it keeps reading (and discarding)
 * the body until the FIN is out, then closes with body bytes unread, and the kernel's reset can
 * wipe the response before the client reads it. Instead: send the FIN, stop reading, and close
 * after a short linger. The client sees the refusal; the server reads no more of the body.
 */
function closeWithoutReading(socket: Socket): void {
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    socket.pause();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/**
 * Errors Node raises before Fastify has a request (a body too slow to arrive, a malformed request)
 * are written to the socket by hand, in the usual envelope, and the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, requestTimeoutMs: number): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          408,
          'request_timeout',
          `the request did not arrive within ${requestTimeoutMs} ms: send it faster, or raise TRUNKFLOW_REQUEST_TIMEOUT_MS on the server`,
        ]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'bad_request', 'the request headers are too large: send fewer or shorter headers']
        : [400, 'bad_request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify({ error: { code, message, details: {} } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroySoon();
}

function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
) {
  return reply.status(status).send({ error: { code, message, details } });
}

export async function buildHttpApp(httpOptions: HttpAppOptions): Promise<App> {
  const options = { ...httpOptions, requestTimeoutMs: httpOptions.requestTimeoutMs ?? 300_000 };
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    routerOptions: { maxParamLength: 500 },
    // Slow bodies end: Node answers 408 and closes once a request takes longer than this to
    // arrive. It checks every connection on an interval (30 s by default), kept well below it.
    requestTimeout: options.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, options.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(options.requestTimeoutMs / 4))),
    },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, options.requestTimeoutMs),
    // Errors Fastify raises before routing (a URL that is not valid percent-encoding) get the same
    // envelope as every other error.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        return sendError(
          reply,
          400,
          'bad_request',
          `the URL ${JSON.stringify(request.url)} is not valid percent-encoding: encode each byte outside letters, digits and "-._~" as %XX (e.g. %25 for "%")`,
        );
      }
      request.log.error({ err: error }, 'request failed before routing');
      return sendError(reply, 500, 'internal', 'internal error; the server log has the details');
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('actor', null);

  // The usual security headers (nosniff, frame-ancestors, referrer policy, CSP …) on every answer,
  // including hijacked ones (git, event streams): helmet sets them on the raw response in onRequest.
  await app.register(helmet, { global: true });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Trunkflow API', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.config?.permission === undefined && route.method !== 'HEAD') {
      throw new Error(`route ${route.method} ${route.url} declares no permission`);
    }
  });

  const noRoute = (request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      404,
      'not_found',
      `no route ${request.method} ${request.url.split('?')[0]}: see GET /api/openapi.json`,
    );

  app.addHook('onRequest', async (request, reply) => {
    // Answered here, before Fastify would read a body for a route that does not exist.
    if (request.is404) return noRoute(request, reply);
    const permission = request.routeOptions.config?.permission;
    if (permission === undefined || permission === 'public') return;
    const token = credentialsOf(request);
    if (token === null) throw new UnauthenticatedError();
    request.actor = await options.authenticate(token);
    if (!request.routeOptions.config?.projectScoped) requirePermission(request.actor, permission, null);
  });

  // A refusal sent before the body was read (401 from onRequest, 413, 415) closes the connection:
  // keeping it alive would make Node read and discard the rest of the body, however large or slow.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && hasUnreadBody(request.raw)) {
      reply.header('connection', 'close');
      closeWithoutReading(request.raw.socket);
    }
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof TrunkflowError) {
      return sendError(reply, HTTP_STATUS[error.code], error.code, error.message, error.details);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        const where = `${error.validationContext ?? 'request'}${path ? `.${path}` : ''}`;
        return `${where}: ${issue.message}`;
      });
      return sendError(reply, 400, 'validation_failed', `invalid request: ${issues.join('; ')}`, { issues });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendError(
        reply,
        500,
        'internal',
        'the server produced an invalid response; this is a bug, please report it',
      );
    }
    const fastifyError = error as { statusCode?: number; code?: string; message: string };
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? options.bodyLimitBytes;
      return sendError(
        reply,
        413,
        'payload_too_large',
        `request body too large: the limit is ${limit} bytes; send less`,
      );
    }
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return sendError(reply, fastifyError.statusCode, 'bad_request', fastifyError.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 500, 'internal', 'internal error; the server log has the details');
  });

  app.setNotFoundHandler(noRoute);

  app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, () => app.swagger());
  return app;
}
