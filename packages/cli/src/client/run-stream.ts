// Follows one run's server-sent events (`GET …/runs/:id/stream`), reconnecting with Last-Event-ID when the connection drops.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type RunStreamEnd,
  type RunStreamOutput,
  type RunStreamRun,
  type RunStreamStep,
  runStreamEndSchema,
  runStreamOutputSchema,
  runStreamRunSchema,
  runStreamStepSchema,
} from '@trunkflow/api';
import { UsageError } from '../errors.js';
import type { TrunkflowClient } from './http-client.js';
import { ServerError } from './server-error.js';

export type RunStreamEvent =
  | { type: 'output'; data: RunStreamOutput }
  | { type: 'step'; data: RunStreamStep }
  | { type: 'run'; data: RunStreamRun };

/** A dropped connection is opened again this many times in a row (each event received resets the count). */
export const MAX_RECONNECTS = 5;
const RECONNECT_DELAY_MS = 500;

const SCHEMAS = {
  output: runStreamOutputSchema,
  step: runStreamStepSchema,
  run: runStreamRunSchema,
  end: runStreamEndSchema,
} as const;

/**
 * Calls `onEvent` for each event, in order, and resolves with the run's end, or null once `signal`
 * aborts. A connection that drops is resumed from the last id received, so nothing is missed or
 * repeated; after MAX_RECONNECTS failed tries in a row it gives up with exit code 2.
 */
export async function followRunStream(
  client: TrunkflowClient,
  project: string,
  id: string,
  onEvent: (event: RunStreamEvent) => void,
  signal: AbortSignal,
): Promise<RunStreamEnd | null> {
  const path = `/api/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(id)}/stream`;
  let lastEventId: string | undefined;
  let failures = 0;
  let lastProblem = '';
  for (;;) {
    if (signal.aborted) return null;
    try {
      const response = await client.openEventStream(path, lastEventId, signal);
      const ended = await readEvents(response, signal, (name, eventId, data) => {
        failures = 0;
        if (eventId !== undefined) lastEventId = eventId;
        const schema = SCHEMAS[name as keyof typeof SCHEMAS];
        // An event this CLI does not know (from a newer server) is skipped.
        if (schema === undefined) return undefined;
        const parsed = schema.safeParse(JSON.parse(data));
        if (!parsed.success) {
          throw new ServerError(
            `the server at ${client.server} sent a \`${name}\` event this CLI cannot read: is it a Trunkflow server of the same version?`,
            1,
            null,
            'client',
          );
        }
        if (name === 'end') return parsed.data as RunStreamEnd;
        onEvent({ type: name, data: parsed.data } as RunStreamEvent);
        return undefined;
      });
      if (ended !== undefined) return ended;
      if (signal.aborted) return null;
      lastProblem = 'the server closed the stream before the run ended';
    } catch (error) {
      if (signal.aborted) return null;
      // A refusal (401, 404, a bad id) is final; only a lost connection is tried again.
      if (error instanceof ServerError) throw error;
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    failures++;
    if (failures > MAX_RECONNECTS) {
      throw new UsageError(
        `lost the stream of run ${id} ${MAX_RECONNECTS} times in a row (${lastProblem}): the run goes on; see it with \`trunkflow runs view ${id} --project ${project}\``,
      );
    }
    try {
      await sleep(RECONNECT_DELAY_MS * failures, undefined, { signal });
    } catch {
      return null;
    }
  }
}

/** Parses the text/event-stream body; resolves with what `handle` returned for `end`, or undefined when the body ends first. */
async function readEvents<T>(
  response: Response,
  signal: AbortSignal,
  handle: (name: string, id: string | undefined, data: string) => T | undefined,
): Promise<T | undefined> {
  const body = response.body;
  if (!body) return undefined;
  const reader = body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        let name: string | undefined;
        let id: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') name = value;
          else if (field === 'id') id = value;
          else if (field === 'data') data.push(value);
        }
        if (name === undefined) continue;
        const result = handle(name, id, data.join('\n'));
        if (result !== undefined) {
          stop();
          return result;
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
