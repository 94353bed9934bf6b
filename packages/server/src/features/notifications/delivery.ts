// One notification delivery: the request for a Slack or webhook target (body, signature, idempotency key), sent and judged.
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import { NOTIFICATION_EVENT_INFO } from './event-types.js';
import type { NormalizedMessage } from './message.js';
import type { DeliverPayload } from './notify.js';
import { SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from './signing.js';
import { headlineOf, slackMessage } from './slack-message.js';
import type { NotificationStore, NotificationTarget } from './store.js';

/** How long one delivery may take before it counts as failed and is retried. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const USER_AGENT = 'Trunkflow-Notifications/0.1';

export const urlContext = (targetId: string) => `notification-target:${targetId}:url`;
export const secretContext = (targetId: string) => `notification-target:${targetId}:secret`;

/** The JSON a webhook target is sent. `id` is the Idempotency-Key: the same on every attempt of a delivery. */
export function webhookBody(id: string, project: string, message: NormalizedMessage) {
  return {
    id,
    type: message.type,
    status: NOTIFICATION_EVENT_INFO[message.type].status,
    title: headlineOf(message),
    project,
    environment: message.environment,
    tag: message.tag,
    sha: message.sha,
    url: message.url,
    logsUrl: message.logsUrl,
    summary: message.summary,
    authors: message.authors,
    authorsOmitted: message.authorsOmitted,
    pullRequests: message.pullRequests,
    pullRequestsOmitted: message.pullRequestsOmitted,
    occurredAt: message.occurredAt,
  };
}

export interface DeliveryContext {
  jobId: string;
  attempt: number;
  signal: AbortSignal;
  logger: Logger;
}

export interface DeliveryDependencies {
  store: NotificationStore;
  secrets: SecretBox;
  clock: Clock;
  /** The project's name for a message, from its id. */
  projectName(projectId: string): Promise<string | null>;
  timeoutMs?: number;
}

/** What the network error was, without the URL (which holds the target's secret). */
function describeFailure(error: unknown, url: string, hint: string): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const name = (error as { name?: unknown } | null)?.name;
  const detail =
    name === 'TimeoutError'
      ? 'no answer in time'
      : typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : error instanceof Error
            ? error.message
            : String(error);
  return `POST to ${hint} failed: ${detail}`.replaceAll(url, hint);
}

/** How much of a receiver's answer is read: enough to say why it refused, however much it sends. */
const ANSWER_BYTES = 4096;

/** The start of the answer's text; the rest is not read (the connection is then closed, not reused). */
async function answerStart(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // An answer cut off mid-way still has a status, which is what decides.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_BYTES).toString('utf8');
}

/** The request for `target`: the Slack message, or the signed webhook body. */
async function requestFor(
  deps: DeliveryDependencies,
  target: NotificationTarget,
  payload: DeliverPayload,
  idempotencyKey: string,
): Promise<{ body: string; headers: Record<string, string> }> {
  const project = (await deps.projectName(target.projectId)) ?? target.projectId;
  const message = payload.message as NormalizedMessage;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'idempotency-key': idempotencyKey,
    'x-trunkflow-event': message.type,
  };
  if (target.kind === 'slack') return { body: JSON.stringify(slackMessage(project, message)), headers };
  if (target.secretSealed === null) throw new Error(`webhook target ${target.name} has no signing secret stored`);
  const secret = await deps.secrets.open(target.secretSealed, secretContext(target.id));
  const body = JSON.stringify(webhookBody(idempotencyKey, project, message));
  const { timestamp, signature } = signDelivery(secret, body, deps.clock.now());
  return { body, headers: { ...headers, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature } };
}

/**
 * Sends one delivery and records its outcome on the target. A target removed since the job was
 * queued gets nothing. Anything but a 2xx answer (redirects included) throws, so the job runner
 * retries with backoff, and the job stays failed once its attempts are used up.
 */
export async function deliver(deps: DeliveryDependencies, payload: DeliverPayload, context: DeliveryContext) {
  const target = await deps.store.byId(payload.targetId);
  if (target === null) {
    context.logger.info({ targetId: payload.targetId }, 'notification target was removed; nothing to deliver');
    return;
  }
  const record = (ok: boolean, error: string | null) =>
    deps.store.recordDelivery(target.id, {
      at: deps.clock.now().toISOString(),
      event: payload.message.type,
      ok,
      attempt: context.attempt,
      error,
    });
  let url = target.urlHint;
  try {
    url = await deps.secrets.open(target.urlSealed, urlContext(target.id));
    const request = await requestFor(deps, target, payload, `trunkflow-job-${context.jobId}`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(deps.timeoutMs ?? DELIVERY_TIMEOUT_MS)]),
      });
    } catch (error) {
      throw new Error(describeFailure(error, url, target.urlHint));
    }
    const text = await answerStart(response);
    if (!response.ok) {
      const answer = text.trim().slice(0, 200).replaceAll(url, target.urlHint);
      throw new Error(`${target.urlHint} answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`);
    }
  } catch (error) {
    // Stopped by a shutdown: the attempt runs again, and says nothing about the receiver.
    if (context.signal.aborted) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await record(false, reason);
    throw new Error(`notification to ${target.name} (${target.kind}) failed: ${reason}`);
  }
  await record(true, null);
}
