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
import { openSse, sseEvent, type TokenRevocations } from '../../platform/http/sse.js';
import type { ProjectService } from '../projects/service.js';

const sse = (event: DomainEvent) => sseEvent(event.id, event.type, event);

export type { TokenRevocations };

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
      const stream = openSse(reply, { heartbeatMs: 15_000, tokenId: actor.tokenId, tokens });
      const { write } = stream;
      const close = () => stream.close();
      // Listen first and buffer, then replay from the log, so nothing falls between the two.
      let lastSent = resumeFrom ?? hub.position;
      const buffered: DomainEvent[] = [];
      let replaying = true;
      const send = (event: DomainEvent) => {
        if (event.id <= lastSent) return;
        lastSent = event.id;
        if (sees(event)) write(sse(event));
      };
      stream.onClose(hub.subscribe((event) => (replaying ? buffered.push(event) : send(event)), projectId, close));
      write(': connected\n\n');
      try {
        if (resumeFrom !== undefined) {
          while (stream.open) {
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
