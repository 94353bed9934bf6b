// Liveness, readiness and Prometheus metrics.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../../platform/db/schema.js';
import type { App } from '../../platform/http/app.js';

export function registerHealthRoutes(
  app: App,
  db: Kysely<Database>,
  registry: Registry,
  isDraining: () => boolean,
): void {
  app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));

  app.get('/readyz', { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    if (isDraining()) return reply.status(503).send({ ok: false, reason: 'shutting down' });
    try {
      await sql`select 1`.execute(db);
      return { ok: true };
    } catch {
      return reply.status(503).send({ ok: false, reason: 'database unreachable' });
    }
  });

  app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
