// Notification targets: their kinds, and the checks a new one passes (name, URL, secret, events), each saying how to fix it.
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../platform/errors.js';
import { isNotificationEvent, NOTIFICATION_EVENTS, type NotificationEventType } from './event-types.js';

export const TARGET_KINDS = ['slack', 'webhook'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const TARGET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_URL_LENGTH = 2048;
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;

export interface NewTargetInput {
  kind: TargetKind;
  url: string;
  name?: string;
  secret?: string;
  events?: readonly string[];
}

export interface CheckedTarget {
  kind: TargetKind;
  name: string;
  url: string;
  /** The webhook's signing secret (given, or made here), null for Slack. */
  secret: string | null;
  events: NotificationEventType[];
}

export function checkTargetName(name: string): string {
  if (!TARGET_NAME_PATTERN.test(name)) {
    throw new ValidationError(
      `target name "${name}" is not valid: use 1 to 63 lowercase letters, digits and "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** An http(s) URL a server can POST to; the message says what to change. */
export function checkTargetUrl(raw: string, kind: TargetKind): string {
  const value = raw.trim();
  if (value.length > MAX_URL_LENGTH) {
    throw new ValidationError(
      `the ${kind} URL is ${value.length} characters long: use one of at most ${MAX_URL_LENGTH}`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const example =
      kind === 'slack' ? 'https://hooks.slack.com/services/T000/B000/XXXX' : 'https://example.com/trunkflow-hook';
    throw new ValidationError(`the ${kind} URL "${redactUrl(value)}" is not a URL: give a full one such as ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(
      `the ${kind} URL must start with http:// or https://, not ${url.protocol}//: Trunkflow delivers notifications over HTTP`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ValidationError(
      `the ${kind} URL holds a user name or password, which HTTP clients refuse to send: take it out${kind === 'webhook' ? ' and let the receiver check the signature instead' : ''}`,
    );
  }
  if (url.hash !== '') {
    throw new ValidationError(`the ${kind} URL has a #fragment, which is never sent: take out the part from "#"`);
  }
  return url.toString();
}

/** A signing secret: given (then checked) or made here, 32 random bytes. */
export function checkSecret(secret: string | undefined): string {
  if (secret === undefined) return `tfwh_${randomBytes(32).toString('base64url')}`;
  if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH || !/^[\x21-\x7e]+$/.test(secret)) {
    throw new ValidationError(
      `the signing secret must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} printable ASCII characters without spaces: leave it out and the server makes one`,
    );
  }
  return secret;
}

/** Every event when none is named; otherwise the known names, once each, in the catalog's order. */
export function checkEvents(events: readonly string[] | undefined): NotificationEventType[] {
  if (events === undefined) return [...NOTIFICATION_EVENTS];
  if (events.length === 0) {
    throw new ValidationError(
      `name at least one event, or leave the list out for all of them: ${NOTIFICATION_EVENTS.join(', ')}`,
    );
  }
  const unknown = events.filter((event) => !isNotificationEvent(event));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown notification event${unknown.length > 1 ? 's' : ''} ${unknown.map((event) => `"${event}"`).join(', ')}: use any of ${NOTIFICATION_EVENTS.join(', ')}`,
    );
  }
  return NOTIFICATION_EVENTS.filter((event) => events.includes(event));
}

export function checkNewTarget(input: NewTargetInput): CheckedTarget {
  const name = checkTargetName(input.name ?? input.kind);
  const url = checkTargetUrl(input.url, input.kind);
  if (input.kind === 'slack' && input.secret !== undefined) {
    throw new ValidationError(
      'a Slack target takes no signing secret: its incoming-webhook URL is the secret; leave the secret out',
    );
  }
  const secret = input.kind === 'webhook' ? checkSecret(input.secret) : null;
  return { kind: input.kind, name, url, secret, events: checkEvents(input.events) };
}

/**
 * The URL as it may be shown: scheme and host, with the path hidden, since incoming-webhook URLs
 * carry their secret in the path (Slack's do) and others may in the query.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const hidden = url.pathname !== '/' || url.search !== '' ? '/…' : '/';
    return `${url.protocol}//${url.host}${hidden}`;
  } catch {
    return '(not a URL)';
  }
}
