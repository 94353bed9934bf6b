// Smart-HTTP git routes (/git/<project>.git/…) and the internal endpoint the pre-receive hook calls.

import { Readable } from 'node:stream';
import { HOOK_CRASH_TEXT_LIMIT, hookCrashBodySchema, preReceiveBodySchema } from '@trunkflow/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../platform/auth/roles.js';
import { HTTP_STATUS, TrunkflowError, UnauthenticatedError, ValidationError } from '../../platform/errors.js';
import { type App, credentialsOf } from '../../platform/http/app.js';
import type { AuthorizedGitRequest, GitHostingService } from './service.js';

const GIT_CONTENT_TYPES = ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'];

/** The hook runs on this machine: over loopback, or from the one address the server listens on. */
function isLocal(remote: string | undefined, local: string | undefined): boolean {
  return (
    remote === '127.0.0.1' ||
    remote === '::1' ||
    remote === '::ffff:127.0.0.1' ||
    (remote !== undefined && remote === local)
  );
}

/** The media type alone, lower-cased: `application/x-git-receive-pack-request; charset=…` counts. */
function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw new ValidationError(`the git path "${rawPath}" is not valid percent-encoding: use /git/<project>.git`);
  }
}

/** What a git user does about a missing or bad token; git shows it under "remote:". */
function gitCredentialsHint(request: FastifyRequest, project: string): string {
  const host = request.headers.host ?? 'localhost:4400';
  return (
    `use your Trunkflow token as the password: git clone http://<user>:<token>@${host}/git/${project}.git, ` +
    'or store it with a credential helper (git config --global credential.helper store)'
  );
}

function refuse(reply: FastifyReply, status: number, message: string) {
  // git prints the body of a failed smart-HTTP request, so plain text reaches the user.
  if (status === 401) reply.header('www-authenticate', 'Basic realm="Trunkflow", charset="UTF-8"');
  return reply.status(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

export function registerGitRoutes(
  app: App,
  git: GitHostingService,
  authenticate: (token: string) => Promise<Actor>,
): void {
  app.addContentTypeParser(GIT_CONTENT_TYPES, (_request, payload, done) => done(null, payload));

  // Set in onRequest, before Fastify reads a byte of the body; read by the handler.
  const targets = new WeakMap<FastifyRequest, AuthorizedGitRequest>();

  app.route({
    method: ['GET', 'POST'],
    url: '/git/*',
    config: { permission: 'public' },
    // Git bodies reach the handler as a stream (the parser above) and are never buffered, so this
    // limit only bounds a body some other content type would make Fastify parse; onRequest refuses those.
    bodyLimit: 1024,
    schema: { hide: true },
    // Authentication, authorization and the content-type check run before the body is read: an
    // unauthenticated client cannot make the server read, let alone hold, a large body.
    onRequest: async (request, reply) => {
      const [rawPath = '', query = ''] = (request.raw.url ?? '').slice('/git/'.length).split('?', 2);
      try {
        const path = decodePath(rawPath);
        const token = credentialsOf(request);
        const { project } = git.parsePath(path);
        const howTo = gitCredentialsHint(request, project);
        if (token === null) throw new UnauthenticatedError(`authentication required: ${howTo}`);
        const actor = await authenticate(token).catch((error: unknown) => {
          if (error instanceof UnauthenticatedError)
            throw new UnauthenticatedError(`that token is not valid: ${howTo}`);
          throw error;
        });
        targets.set(request, await git.authorize(path, query, actor));
      } catch (error) {
        if (!(error instanceof TrunkflowError)) throw error;
        return refuse(reply, HTTP_STATUS[error.code], error.message);
      }
      if (request.method === 'POST' && !GIT_CONTENT_TYPES.includes(mediaTypeOf(request))) {
        return refuse(reply, 415, `send git's own content type (${GIT_CONTENT_TYPES.join(' or ')}): use a git client`);
      }
    },
    handler: async (request, reply) => {
      const target = targets.get(request);
      if (target === undefined) throw new Error('git request reached its handler without authorization');
      const query = (request.raw.url ?? '').split('?', 2)[1] ?? '';
      reply.hijack();
      try {
        await git.serve(target, {
          method: request.method,
          query,
          raw: request.raw,
          body: request.body instanceof Readable ? request.body : null,
          reply: reply.raw,
        });
      } catch (error) {
        request.log.error({ err: error }, 'git request failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        reply.raw.end('git request failed; the server log has the details\n');
      }
    },
  });

  app.post(
    '/internal/git/pre-receive',
    {
      config: { permission: 'public' },
      bodyLimit: 1_048_576,
      schema: {
        hide: true,
        body: preReceiveBodySchema,
      },
    },
    async (request, reply) => {
      const token = request.headers['x-trunkflow-hook-token'];
      if (!isLocal(request.socket.remoteAddress, request.socket.localAddress) || typeof token !== 'string') {
        return refuse(reply, 403, 'the push hook endpoint only answers git on this machine');
      }
      const answer = await git.checkPush(token, request.body.updates);
      return reply.status(answer.ok ? 200 : 403).send(answer);
    },
  );

  // The hook reports an error of its own here (see pre-receive-hook.ts), so the admin finds it in the
  // log; it already told the pusher. Kept as its own block: only the hook on this machine calls it.
  app.post(
    '/internal/git/hook-crash',
    {
      config: { permission: 'public' },
      bodyLimit: 4 * HOOK_CRASH_TEXT_LIMIT,
      schema: {
        hide: true,
        body: hookCrashBodySchema,
      },
    },
    async (request, reply) => {
      const token = request.headers['x-trunkflow-hook-token'];
      if (!isLocal(request.socket.remoteAddress, request.socket.localAddress) || typeof token !== 'string') {
        return refuse(reply, 403, 'the push hook endpoint only answers git on this machine');
      }
      if (!git.reportHookCrash(token, request.body)) return refuse(reply, 403, 'unknown push session');
      return reply.status(204).send();
    },
  );
}
