// Bridges an HTTP request to `git http-backend` (CGI), spawned with an argument array and no shell.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export interface BackendRequest {
  /** Folder holding `<project>.git` repositories. */
  projectRoot: string;
  /** `/<project>.git/<service path>`, already validated. */
  pathInfo: string;
  method: string;
  query: string;
  request: IncomingMessage;
  body: Readable | null;
  remoteUser: string;
  /** Extra environment for hooks (never user-controlled values beyond validated names). */
  hookEnv: Record<string, string>;
  /** Shared hooks folder, applied through git's config environment. */
  hooksPath: string;
  maxBodyBytes: number;
}

/**
 * PATH for git and its hooks: the folder of the node binary running the server first, so anything
 * that looks for `node` on PATH finds this one.
 */
export function childPath(): string {
  return `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

/** Runs http-backend and streams its CGI response; resolves with the HTTP status it sent. */
export function runHttpBackend(options: BackendRequest, response: ServerResponse): Promise<number> {
  const { request } = options;
  const env: NodeJS.ProcessEnv = {
    PATH: childPath(),
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: options.pathInfo,
    REQUEST_METHOD: options.method,
    QUERY_STRING: options.query,
    REMOTE_USER: options.remoteUser,
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: options.hooksPath,
    ...options.hookEnv,
  };
  const contentLength = request.headers['content-length'];
  if (contentLength !== undefined) env.CONTENT_LENGTH = contentLength;
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = request.headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;

  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);

    if (options.body) {
      let received = 0;
      options.body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBodyBytes) {
          options.body?.destroy();
          child.kill('SIGTERM');
        }
      });
      options.body.pipe(child.stdin);
      child.stdin.on('error', () => {
        // http-backend may stop reading early (e.g. on a rejected push); its response says why.
      });
    } else {
      child.stdin.end();
    }

    let headerBuffer = Buffer.alloc(0);
    let headersDone = false;
    let status = 200;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      headerBuffer = Buffer.concat([headerBuffer, chunk]);
      let end = headerBuffer.indexOf('\r\n\r\n');
      let separator = 4;
      if (end === -1) {
        end = headerBuffer.indexOf('\n\n');
        separator = 2;
      }
      if (end === -1) return;
      const head = headerBuffer.subarray(0, end).toString('latin1');
      for (const line of head.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else response.setHeader(name, value);
      }
      response.statusCode = status;
      headersDone = true;
      const rest = headerBuffer.subarray(end + separator);
      if (rest.length > 0) response.write(rest);
    });
    child.on('close', (code) => {
      if (!headersDone) {
        response.statusCode = 500;
        response.setHeader('content-type', 'text/plain; charset=utf-8');
        response.end(`git http-backend failed (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}\n`);
        resolve(500);
        return;
      }
      response.end();
      resolve(status);
    });
  });
}
