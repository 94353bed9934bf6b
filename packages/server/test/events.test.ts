// The event log's server-sent-events stream: live delivery and Last-Event-ID resume without gaps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startServer, type TestServer, testDatabases } from './helpers/server.js';

interface StreamedEvent {
  id: number;
  type: string;
  payload: { name?: string };
}

/**
 * Reads SSE frames until `count` events arrived, then cancels the stream. `connected` resolves once
 * the server's first frame arrives: the server subscribes before writing it, so nothing sent after is missed.
 */
function readEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): { connected: Promise<void>; events: Promise<StreamedEvent[]> } {
  let onConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  return { connected, events: collect(url, count, headers, () => onConnected()) };
}

async function collect(
  url: string,
  count: number,
  headers: Record<string, string>,
  onConnected: () => void,
): Promise<StreamedEvent[]> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  // Cancelling through the reader that holds the stream closes the connection; no abort races a read.
  const stop = () => reader.cancel().catch(() => {});
  const decoder = new TextDecoder();
  const events: StreamedEvent[] = [];
  let buffer = '';
  const deadline = setTimeout(stop, 10_000);
  try {
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (buffer.includes(': connected')) onConnected();
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)) as StreamedEvent);
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(deadline);
    await stop();
  }
  return events;
}

describe.each(testDatabases())('event stream on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(async () => server?.stop());

  it('delivers events appended after a client connects', async () => {
    const reading = readEvents(`${server.url}/api/events/stream`, 2);
    await reading.connected;
    await server.api('POST', '/api/projects', { body: { name: 'live-a' } });
    await server.api('POST', '/api/projects', { body: { name: 'live-b' } });
    const events = await reading.events;
    expect(events.map((event) => [event.type, event.payload.name])).toEqual([
      ['project.created', 'live-a'],
      ['project.created', 'live-b'],
    ]);
  });

  it('resumes after Last-Event-ID with every missed event, in order, then continues live', async () => {
    const { body } = await server.api<{ events: { id: number }[] }>('GET', '/api/events');
    const last = body.events.at(-1)?.id ?? 0;
    for (const name of ['missed-1', 'missed-2', 'missed-3']) {
      await server.api('POST', '/api/projects', { body: { name } });
    }
    const reading = readEvents(`${server.url}/api/events/stream`, 4, { 'last-event-id': String(last) });
    await reading.connected;
    await server.api('POST', '/api/projects', { body: { name: 'after-resume' } });
    const events = await reading.events;
    expect(events.map((event) => event.payload.name)).toEqual(['missed-1', 'missed-2', 'missed-3', 'after-resume']);
    const ids = events.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(last);
  });
});
