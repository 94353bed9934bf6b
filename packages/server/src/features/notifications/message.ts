// What the pipeline tells a notification: the outcome, where, which version, who is on watch; bounded before it is queued.
import { z } from 'zod';
import { NOTIFICATION_EVENTS, type NotificationEventType } from './event-types.js';

/** One pull request in a release. */
export interface NotificationPull {
  number: number;
  title: string;
  /** Where it is shown (the dashboard or the API); null when there is none. */
  url?: string | null;
}

/** What the pipeline passes to `notify`; every field but the first four may be left out. */
export interface NotificationMessage {
  type: NotificationEventType;
  /** `preview`, `staging`, `production`, or a preview's name such as `pr-12`. */
  environment: string;
  /** The deployed commit, 40 hex digits. */
  sha: string;
  /** When the outcome happened (ISO-8601, from the pipeline's clock). */
  occurredAt: string;
  /** The release tag, when there is one. */
  tag?: string | null;
  /** The people on watch: the authors of the release's pull requests. */
  authors?: readonly string[];
  /** Where the environment answers. */
  url?: string | null;
  /** The run's logs. */
  logsUrl?: string | null;
  /** One line on why (e.g. `error rate 12% over 5% for 3 intervals`). */
  summary?: string | null;
  pullRequests?: readonly NotificationPull[];
}

/** Bounds that keep a job's payload small whatever the release's size; what is cut is counted. */
export const MESSAGE_LIMITS = {
  environment: 100,
  sha: 64,
  tag: 200,
  authors: 200,
  author: 100,
  url: 2048,
  summary: 2000,
  pullRequests: 200,
  title: 300,
} as const;

const httpUrl = z
  .string()
  .max(MESSAGE_LIMITS.url)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'must be an http(s) URL')
  .nullable();

/** The job payload's message: `normalizeMessage` always produces one that parses. */
export const normalizedMessageSchema = z.strictObject({
  type: z.enum(NOTIFICATION_EVENTS),
  environment: z.string().min(1).max(MESSAGE_LIMITS.environment),
  sha: z.string().max(MESSAGE_LIMITS.sha),
  occurredAt: z.string().max(40),
  tag: z.string().max(MESSAGE_LIMITS.tag).nullable(),
  authors: z.array(z.string().max(MESSAGE_LIMITS.author)).max(MESSAGE_LIMITS.authors),
  /** Authors left out of `authors`. */
  authorsOmitted: z.number().int().min(0),
  url: httpUrl,
  logsUrl: httpUrl,
  summary: z.string().max(MESSAGE_LIMITS.summary).nullable(),
  pullRequests: z
    .array(
      z.strictObject({
        number: z.number().int().min(0),
        title: z.string().max(MESSAGE_LIMITS.title),
        url: httpUrl,
      }),
    )
    .max(MESSAGE_LIMITS.pullRequests),
  /** Pull requests left out of `pullRequests`. */
  pullRequestsOmitted: z.number().int().min(0),
});

export type NormalizedMessage = z.output<typeof normalizedMessageSchema>;

/** Cuts at a code point boundary, so no lone surrogate is left to break the JSON a receiver parses. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** A lone surrogate cannot be encoded as UTF-8; replace it rather than refuse the message. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const text = (value: string, max: number) => clip(wellFormed(value), max);

/** The URL in its normal form (what is not allowed in one percent-encoded), or null when it is no http(s) URL. */
function linkOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined || !/^https?:\/\//i.test(value) || !URL.canParse(value)) return null;
  const href = new URL(value).href;
  return href.length <= MESSAGE_LIMITS.url ? href : null;
}

/**
 * Bounds every field and drops what a receiver could not use (a URL that is not http(s)), instead
 * of refusing: `notify` runs inside the pipeline's transaction, and a notification must never fail
 * the change it reports.
 */
export function normalizeMessage(message: NotificationMessage): NormalizedMessage {
  const authors = [...new Set((message.authors ?? []).map((author) => text(author, MESSAGE_LIMITS.author)))].filter(
    (author) => author !== '',
  );
  const pulls = message.pullRequests ?? [];
  const keptPulls = pulls.slice(0, MESSAGE_LIMITS.pullRequests);
  const keptAuthors = authors.slice(0, MESSAGE_LIMITS.authors);
  return {
    type: message.type,
    environment: text(message.environment, MESSAGE_LIMITS.environment) || 'unknown',
    sha: text(message.sha, MESSAGE_LIMITS.sha),
    occurredAt: text(message.occurredAt, 40),
    tag: message.tag ? text(message.tag, MESSAGE_LIMITS.tag) : null,
    authors: keptAuthors,
    authorsOmitted: authors.length - keptAuthors.length,
    url: linkOrNull(message.url),
    logsUrl: linkOrNull(message.logsUrl),
    summary: message.summary ? text(message.summary, MESSAGE_LIMITS.summary) : null,
    pullRequests: keptPulls.map((pull) => ({
      number: Number.isSafeInteger(pull.number) && pull.number >= 0 ? pull.number : 0,
      title: text(pull.title, MESSAGE_LIMITS.title),
      url: linkOrNull(pull.url),
    })),
    pullRequestsOmitted: pulls.length - keptPulls.length,
  };
}
