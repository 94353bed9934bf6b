// The event log over HTTP: a page of events, and a server-sent-events stream that resumes by Last-Event-ID.
import { z } from 'zod';
import type { EventHub } from '../../platform/events/event-hub.js';
import type { DomainEvent, EventLog } from '../../platform/events/event-log.js';
import type { App } from '../../platform/http/app.js';
import type { ProjectService } from '../projects/service.js';

const eventSchema = z.object({
  id: z.number(),
  type: z.string(),
  projectId: z.string().nullable(),
  actor: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

function sse(event: DomainEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function registerEventRoutes(app: App, log: EventLog, hub: EventHub, projects: ProjectService): void {
  const projectIdOf = async (name: string | undefined) =>
    name === undefined ? undefined : (await projects.get(name)).id;

  app.get(
    '/api/events',
    {
      config: { permission: 'events.read' },
      schema: {
        summary: 'Read the event log in order, after an id',
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0),
          project: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ events: z.array(eventSchema) }) },
      },
    },
    async (request) => {
      const projectId = await projectIdOf(request.query.project);
      return { events: await log.listAfter(request.query.after, { projectId, limit: request.query.limit }) };
    },
  );

  app.get(
    '/api/events/stream',
    {
      config: { permission: 'events.read' },
      schema: {
        summary: 'Server-sent events; send Last-Event-ID (or ?after=) to resume without a gap',
        querystring: z.object({ project: z.string().optional(), after: z.coerce.number().int().min(0).optional() }),
        headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).passthrough(),
      },
    },
    async (request, reply) => {
      const projectId = await projectIdOf(request.query.project);
      const resumeFrom = request.headers['last-event-id'] ?? request.query.after;
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
        if (!raw.writableEnded) raw.end();
      };
      // Listen first and buffer, then replay from the log, so nothing falls between the two.
      let lastSent = resumeFrom ?? hub.position;
      const buffered: DomainEvent[] = [];
      let replaying = true;
      const send = (event: DomainEvent) => {
        if (event.id <= lastSent) return;
        lastSent = event.id;
        write(sse(event));
      };
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), 15_000);
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
