// `GET …/runs/:id/stream`: one run's output and transitions as server-sent events, live, resumable, ending with the run.
import { runParamsSchema, runStreamHeadersSchema } from '@trunkflow/api';
import { isRunTerminal, type RunLogRecord } from '@trunkflow/core';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../../platform/errors.js';
import type { EventHub } from '../../platform/events/event-hub.js';
import type { App } from '../../platform/http/app.js';
import { openSse, sseEvent, type TokenRevocations } from '../../platform/http/sse.js';
import { projectScope } from '../projects/scope.js';
import type { ProjectService } from '../projects/service.js';
import type { OutputLine } from './model.js';
import type { RunSignals } from './run-signals.js';
import type { LoggedTransition, RunStreamReads } from './run-stream-reads.js';
import type { PipelineStore } from './store.js';

export interface RunStreamOptions {
  heartbeatMs: number;
  /** The fallback: how often an open stream reads the store even when nothing woke it (another replica's writes). */
  pollMs: number;
  /** Open run streams one user may hold at once; more are refused with 429. */
  maxPerUser: number;
}

export const RUN_STREAM_DEFAULTS: RunStreamOptions = { heartbeatMs: 15_000, pollMs: 1000, maxPerUser: 20 };

export interface RunStreamDependencies {
  store: PipelineStore;
  reads: RunStreamReads;
  signals: RunSignals;
  hub: EventHub;
  projects: ProjectService;
  tokens: TokenRevocations;
  options?: Partial<RunStreamOptions>;
}

interface Cursor {
  log: number;
  output: number;
}

/** Rows per read; a page this full is followed by another read at once. */
const PAGE = 500;

const idOf = (cursor: Cursor) => `${cursor.log}-${cursor.output}`;

type Item = { transition: LoggedTransition } | { line: OutputLine };

/**
 * Transitions and lines read together go out in time order, each kind keeping its own id order
 * (a merge, never a sort, so the cursor only moves forward); at the same instant a step's start
 * comes before the lines and any other transition after them.
 */
function merge(transitions: readonly LoggedTransition[], lines: readonly OutputLine[]): Item[] {
  const items: Item[] = [];
  let t = 0;
  let l = 0;
  while (t < transitions.length || l < lines.length) {
    const transition = transitions[t];
    const line = lines[l];
    if (transition === undefined) {
      items.push({ line: line as OutputLine });
      l++;
    } else if (line === undefined) {
      items.push({ transition });
      t++;
    } else {
      const first = transition.at !== line.at ? transition.at < line.at : transition.record.to === 'running';
      if (first) {
        items.push({ transition });
        t++;
      } else {
        items.push({ line });
        l++;
      }
    }
  }
  return items;
}

function transitionEvent(record: RunLogRecord, at: string): { name: 'step' | 'run'; data: unknown } {
  if (record.subject === 'run')
    return { name: 'run', data: { from: record.from, to: record.to, reason: record.reason, at } };
  return {
    name: 'step',
    data: {
      step: record.step,
      kind: record.kind,
      from: record.from,
      to: record.to,
      attempts: record.attempts,
      reason: record.reason,
      at,
    },
  };
}

export function registerRunStreamRoute(app: App, deps: RunStreamDependencies): void {
  const options = { ...RUN_STREAM_DEFAULTS, ...deps.options };
  const scope = projectScope(deps.projects);
  const openPerUser = new Map<string, number>();

  app.get(
    '/api/projects/:project/runs/:id/stream',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary:
          'A run’s output lines and step and run transitions as server-sent events, from the start or after Last-Event-ID; ends once the run has finished and all is sent',
        params: runParamsSchema,
        headers: runStreamHeadersSchema,
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'project.read');
      const found = await deps.store.run(request.params.id);
      if (!found || found.projectId !== project.id) {
        throw new NotFoundError(
          `no run ${request.params.id} in ${project.name}: list them with \`trunkflow runs list --project ${project.name}\``,
        );
      }
      const runId = found.id;
      const cursor: Cursor = request.headers['last-event-id'] ?? { log: 0, output: 0 };
      const last = await deps.reads.lastIds(runId);
      if (cursor.log > last.log || cursor.output > last.output) {
        // Resuming from an id this stream never sent would skip everything up to it.
        throw new ValidationError(
          `Last-Event-ID ${idOf(cursor)} is beyond what run ${runId} has (${idOf(last)}): send back an id this stream sent, or leave it out to start from the beginning`,
          { lastEventId: idOf(cursor), last: idOf(last) },
        );
      }
      const held = openPerUser.get(actor.name) ?? 0;
      if (held >= options.maxPerUser) {
        throw new TooManyRequestsError(
          `${actor.name} has ${held} run streams open, the most one user may: close one (stop a \`--follow\`) and try again`,
          { limit: options.maxPerUser },
        );
      }
      openPerUser.set(actor.name, held + 1);
      const stream = openSse(reply, { heartbeatMs: options.heartbeatMs, tokenId: actor.tokenId, tokens: deps.tokens });
      stream.onClose(() => {
        const now = (openPerUser.get(actor.name) ?? 1) - 1;
        if (now <= 0) openPerUser.delete(actor.name);
        else openPerUser.set(actor.name, now);
      });

      /** Sends everything stored after the cursor; ends the stream once the run had finished before the read. */
      const drain = async () => {
        for (;;) {
          // The status first: when it is final, the lines and records read after it are all there will be.
          const run = await deps.store.run(runId);
          if (!run) return stream.close();
          const transitions = await deps.reads.logAfter(runId, cursor.log, PAGE);
          const lines = await deps.store.output(runId, cursor.output, PAGE);
          for (const item of merge(transitions, lines)) {
            if (!stream.open) return;
            if ('line' in item) {
              cursor.output = item.line.id;
              stream.write(sseEvent(idOf(cursor), 'output', item.line));
            } else {
              cursor.log = item.transition.id;
              const event = transitionEvent(item.transition.record, item.transition.at);
              stream.write(sseEvent(idOf(cursor), event.name, event.data));
            }
          }
          if (transitions.length >= PAGE || lines.length >= PAGE) continue;
          if (isRunTerminal(run.state.status)) {
            stream.write(sseEvent(idOf(cursor), 'end', { status: run.state.status, reason: run.state.reason }));
            return stream.close();
          }
          return;
        }
      };
      // One drain at a time; a wake during one asks for another when it ends, so nothing waits for the poll.
      let draining: Promise<void> | null = null;
      let again = false;
      const wake = () => {
        if (!stream.open) return;
        if (draining) {
          again = true;
          return;
        }
        draining = drain()
          .catch((error: unknown) => {
            request.log.warn({ err: error, run: runId }, 'run stream read failed; closing it so the client resumes');
            stream.close();
          })
          .finally(() => {
            draining = null;
            if (again) {
              again = false;
              wake();
            }
          });
      };
      stream.onClose(deps.signals.subscribe(runId, wake));
      stream.onClose(
        deps.hub.subscribe(
          (event) => {
            if (event.payload.runId === runId) wake();
          },
          project.id,
          () => stream.close(),
        ),
      );
      const poll = setInterval(wake, options.pollMs);
      poll.unref();
      stream.onClose(() => clearInterval(poll));
      stream.write(': connected\n\n');
      wake();
    },
  );
}
