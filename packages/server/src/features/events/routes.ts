// The event log over HTTP: a page of events, and a server-sent-events stream that resumes by Last-Event-ID.
import {
  eventListQuerySchema,
  eventListSchema,
  eventStreamHeadersSchema,
  eventStreamQuerySchema,
} from '@trunkflow/api';
import type { Actor } from '../../platform/auth/roles.js';
import { ValidationError } from '../../platform/errors.js';
import type { EventHub } from '../../platform/events/event-hub.js';
import type { DomainEvent, EventReader } from '../../platform/events/event-log.js';
import { type App, requireActor } from '../../platform/http/app.js';
import type { ProjectService } from '../projects/service.js';

function sse(event: DomainEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** What a stream needs of authentication: to end when its token is revoked. */
export interface TokenRevocations {
  onTokenRevoked(listener: (tokenId: string) => void): () => void;
  isTokenActive(tokenId: string): Promise<boolean>;
}

export function registerEventRoutes(
  app: App,
  log: EventReader,
  hub: EventHub,
  projects: ProjectService,
  tokens: TokenRevocations,
): void {
  /**
   * An id past the end is not an id this server sent: a log that was reset, or another server.
   * Resuming from it would silently skip every event up to it, so it is refused.
   */
  const refuseBeyondLast = async (after: number | undefined, name: string) => {
    if (after === undefined || after === 0) return;
    const last = await log.lastId();
    if (after > last) {
      throw new ValidationError(
        `${name} ${after} is beyond the last event (${last}): resume from an id this server sent, or leave it out to start from now`,
        { after, lastEventId: last },
      );
    }
  };
  /**
   * Which events a stream may carry, decided per event without a query: those of no project, of
   * projects the actor saw when the stream opened, and of projects created since that it may see
   * (internal ones, and private ones it created). Anything else is left out: fail closed.
   */
  const visibilityFilter = async (actor: Actor): Promise<(event: DomainEvent) => boolean> => {
    const visible = await projects.visibleIds(actor);
    if (visible === null) return () => true;
    return (event) => {
      if (event.projectId === null || visible.has(event.projectId)) return true;
      if (event.type === 'project.created' && (event.payload.visibility !== 'private' || event.actor === actor.name)) {
        visible.add(event.projectId);
        return true;
      }
      return false;
    };
  };
  const projectIdOf = async (actor: Actor, name: string | undefined) =>
    name === undefined ? undefined : (await projects.getFor(actor, name)).id;

  app.get(
    '/api/events',
    {
      config: { permission: 'events.read' },
      schema: {
        summary: 'Read the event log in order, after an id',
        querystring: eventListQuerySchema,
        response: { 200: eventListSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const projectId = await projectIdOf(actor, request.query.project);
      await refuseBeyondLast(request.query.after, '?after=');
      const visibleProjectIds = await projects.visibleIds(actor);
      return {
        events: await log.listAfter(request.query.after, { projectId, limit: request.query.limit, visibleProjectIds }),
      };
    },
  );

  app.get(
    '/api/events/stream',
    {
      config: { permission: 'events.read' },
      schema: {
        summary: 'Server-sent events; send Last-Event-ID (or ?after=) to resume without a gap',
        querystring: eventStreamQuerySchema,
        headers: eventStreamHeadersSchema,
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const projectId = await projectIdOf(actor, request.query.project);
      const sees = await visibilityFilter(actor);
      const resumeFrom = request.headers['last-event-id'] ?? request.query.after;
      await refuseBeyondLast(resumeFrom, request.headers['last-event-id'] === undefined ? '?after=' : 'Last-Event-ID');
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // One way out for all three ends: the client leaves, the socket breaks, or the hub stops.
      let open = true;
      const write = (chunk: string) => {
        if (open && !raw.writableEnded && !raw.destroyed) raw.write(chunk);
      };
      const close = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        stopWatchingToken();
        if (!raw.writableEnded) raw.end();
      };
      // A revoked token's streams end: at once for a revocation in this process, and at the next
      // heartbeat for one made through another replica.
      const tokenId = actor.tokenId;
      const revoked = () => {
        write(': token revoked; the stream ends\n\n');
        close();
      };
      const stopWatchingToken =
        tokenId === undefined ? () => {} : tokens.onTokenRevoked((id) => id === tokenId && revoked());
      // Listen first and buffer, then replay from the log, so nothing falls between the two.
      let lastSent = resumeFrom ?? hub.position;
      const buffered: DomainEvent[] = [];
      let replaying = true;
      const send = (event: DomainEvent) => {
        if (event.id <= lastSent) return;
        lastSent = event.id;
        if (sees(event)) write(sse(event));
      };
      const heartbeat = setInterval(() => {
        write(': keep-alive\n\n');
        if (tokenId !== undefined) {
          tokens.isTokenActive(tokenId).then(
            (active) => active || revoked(),
            () => {},
          );
        }
      }, 15_000);
      heartbeat.unref();
      const unsubscribe = hub.subscribe((event) => (replaying ? buffered.push(event) : send(event)), projectId, close);
      raw.on('close', close);
      raw.on('error', close);
      // A client gone while the project was looked up closed before these listeners existed.
      if (raw.destroyed) close();
      write(': connected\n\n');
      try {
        if (resumeFrom !== undefined) {
          while (open) {
            const page = await log.listAfter(lastSent, { projectId, limit: 500 });
            for (const event of page) send(event);
            if (page.length < 500) break;
          }
        }
      } catch (error) {
        request.log.warn({ err: error }, 'event stream replay failed; closing the stream so the client resumes');
        close();
      } finally {
        replaying = false;
        for (const event of buffered.splice(0)) send(event);
      }
    },
  );
}
