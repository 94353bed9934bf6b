// Server-sent events over a hijacked Fastify reply: the headers, a heartbeat, and one way out for every end.
import type { FastifyReply } from 'fastify';

/** What a stream needs of authentication: to end when its token is revoked. */
export interface TokenRevocations {
  onTokenRevoked(listener: (tokenId: string) => void): () => void;
  isTokenActive(tokenId: string): Promise<boolean>;
}

export interface SseOptions {
  /** How often a `: keep-alive` comment goes out, so proxies and clients see a live connection. */
  heartbeatMs: number;
  /** The token the stream was opened with, if any: its revocation ends the stream. */
  tokenId: string | undefined;
  tokens: TokenRevocations;
}

export interface SseStream {
  /** Writes one chunk unless the stream has ended. */
  write(chunk: string): void;
  /** Ends the stream (idempotent); the `onClose` callbacks run once. */
  close(): void;
  /** Runs `listener` when the stream ends, for whatever reason (the client left, revoked token, close()). */
  onClose(listener: () => void): void;
  readonly open: boolean;
}

/** `id:`, `event:` and `data:` lines of one event; `data` is JSON, so it holds no newline. */
export function sseEvent(id: string | number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Hijacks the reply and answers 200 text/event-stream. A revoked token ends the stream at once for
 * a revocation in this process, and at the next heartbeat for one made through another replica.
 */
export function openSse(reply: FastifyReply, options: SseOptions): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let open = true;
  const listeners: (() => void)[] = [];
  const write = (chunk: string) => {
    if (open && !raw.writableEnded && !raw.destroyed) raw.write(chunk);
  };
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    stopWatchingToken();
    for (const listener of listeners.splice(0)) listener();
    if (!raw.writableEnded) raw.end();
  };
  const { tokenId, tokens } = options;
  const revoked = () => {
    write(': token revoked; the stream ends\n\n');
    close();
  };
  const stopWatchingToken =
    tokenId === undefined ? () => {} : tokens.onTokenRevoked((id) => id === tokenId && revoked());
  const heartbeat = setInterval(() => {
    write(': keep-alive\n\n');
    if (tokenId !== undefined) {
      tokens.isTokenActive(tokenId).then(
        (active) => active || revoked(),
        () => {},
      );
    }
  }, options.heartbeatMs);
  heartbeat.unref();
  raw.on('close', close);
  raw.on('error', close);
  // A client gone before these listeners existed (while the route looked things up) has closed already.
  if (raw.destroyed) queueMicrotask(close);
  return {
    write,
    close,
    onClose(listener) {
      if (open) listeners.push(listener);
      else queueMicrotask(listener);
    },
    get open() {
      return open;
    },
  };
}
