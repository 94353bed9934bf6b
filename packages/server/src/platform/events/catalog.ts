// The typed event catalog: each feature declares its event types and their zod payload schemas; the root combines them.
import { z } from 'zod';

/** One event type: what it means, and the exact shape of its payload. */
export interface EventEntry<P extends z.ZodObject = z.ZodObject> {
  /** When the event is appended, for the docs table (docs/server.md). */
  readonly summary: string;
  /** A strict object schema: an unknown field is as much a programming error as a missing one. */
  readonly payload: P;
}

/** Event type → entry. Types are stable strings: they are part of the API (GET /api/events). */
export type EventCatalog = { readonly [type: string]: EventEntry };

export type EventType<C extends EventCatalog> = Extract<keyof C, string>;

export type EventPayload<C extends EventCatalog, T extends EventType<C>> = z.infer<C[T]['payload']>;

/** An event to append, typed by the catalog: `payload` is the one its `type` declares. */
export type NewEvent<C extends EventCatalog> = {
  [T in EventType<C>]: {
    type: T;
    projectId: string | null;
    actor: string | null;
    payload: EventPayload<C, T>;
  };
}[EventType<C>];

/** A stored event as the log holds it, whatever its type. */
export interface DomainEvent {
  id: number;
  type: string;
  projectId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** A stored event of one known type, its payload parsed by the catalog. */
export interface TypedEvent<C extends EventCatalog, T extends EventType<C>>
  extends Omit<DomainEvent, 'type' | 'payload'> {
  type: T;
  payload: EventPayload<C, T>;
}

/** A full git object name, as payload fields carry them (ZERO_SHA for "none", as git's hooks say). */
export const shaField = z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-hex git sha');

/** Lower-case dotted words, as every existing type (`push.failed`, `pull_request.ready_for_review`). */
const TYPE_NAME = /^[a-z][a-z_]*(\.[a-z][a-z_]*)*$/;

/** A feature's own entries, checked once at load: a badly named type fails the first test that imports it. */
export function defineEvents<const C extends EventCatalog>(entries: C): C {
  for (const type of Object.keys(entries)) {
    if (!TYPE_NAME.test(type)) throw new Error(`event type "${type}" is not lower-case dotted words (a.b_c)`);
  }
  return entries;
}

type Combined<P extends readonly EventCatalog[]> = P extends readonly [
  infer Head extends EventCatalog,
  ...infer Rest extends readonly EventCatalog[],
]
  ? Head & Combined<Rest>
  : unknown;

/** The features' catalogs as one; two features declaring one type is a programming error. */
export function combineCatalogs<const P extends readonly EventCatalog[]>(...parts: P): Combined<P> & EventCatalog {
  const combined: Record<string, EventEntry> = {};
  for (const part of parts) {
    for (const [type, entry] of Object.entries(part)) {
      if (type in combined) throw new Error(`event type "${type}" is declared twice in the event catalog`);
      combined[type] = entry;
    }
  }
  return combined as Combined<P> & EventCatalog;
}

/** Appending an event the catalog does not know, or with a payload it does not match: a bug, never user input. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** The payload as the catalog parses it; throws InvalidEventError naming the type and the bad fields. */
export function parsePayload(catalog: EventCatalog, type: string, payload: unknown): Record<string, unknown> {
  const entry = catalog[type];
  if (entry === undefined) {
    throw new InvalidEventError(
      `event type "${type}" is not in the event catalog: declare it in a feature's events.ts`,
    );
  }
  const parsed = entry.payload.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidEventError(
      `payload of event "${type}" does not match the catalog: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** One field of a payload for the docs: its name, its JSON type, and whether it may be absent. */
function fieldText(name: string, schema: Record<string, unknown>, required: boolean): string {
  const or = (parts: string[]) => parts.join(' \\| ');
  const typeOf = (s: Record<string, unknown>): string => {
    if (Array.isArray(s.anyOf)) return or((s.anyOf as Record<string, unknown>[]).map(typeOf));
    if (Array.isArray(s.enum)) return or((s.enum as unknown[]).map((value) => JSON.stringify(value)));
    if (Array.isArray(s.type)) return or((s.type as unknown[]).map((type) => typeOf({ ...s, type })));
    if (s.type === 'array') {
      const item = typeOf((s.items ?? {}) as Record<string, unknown>);
      return item.includes(' ') ? `(${item})[]` : `${item}[]`;
    }
    if (s.type === 'string' && typeof s.pattern === 'string' && s.pattern.includes('0-9a-f')) return 'sha';
    return typeof s.type === 'string' ? s.type : 'unknown';
  };
  return `\`${name}${required ? '' : '?'}\` ${typeOf(schema)}`;
}

/** The markdown table of every event type and its payload fields, as docs/server.md shows it. */
export function catalogTable(catalog: EventCatalog): string {
  const rows = Object.entries(catalog)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, entry]) => {
      const json = z.toJSONSchema(entry.payload) as {
        properties?: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      const required = new Set(json.required ?? []);
      const fields = Object.entries(json.properties ?? {}).map(([name, schema]) =>
        fieldText(name, schema, required.has(name)),
      );
      return `| \`${type}\` | ${fields.join(', ')} | ${entry.summary} |`;
    });
  return ['| Type | Payload fields | Appended when |', '|---|---|---|', ...rows].join('\n');
}
