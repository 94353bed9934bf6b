// Which environment a deploy is for: its stable key, its folder name, its host name and its words in messages.
import { assertNever, type EnvironmentKind } from '@trunkflow/core';
import { ValidationError } from '../platform/errors.js';
import { validateProjectName } from '../platform/git/repositories.js';

/** One environment of one project; a preview is one per pull request. */
export type EnvironmentRef =
  | { project: string; environment: 'preview'; pr: number }
  | { project: string; environment: 'staging' | 'production' };

/** Throws a ValidationError saying what to fix when the reference could not name a folder or a host. */
export function checkEnvironment(ref: EnvironmentRef): void {
  validateProjectName(ref.project);
  const kind: EnvironmentKind = ref.environment;
  switch (kind) {
    case 'preview':
      if (!('pr' in ref) || !Number.isSafeInteger(ref.pr) || ref.pr < 1) {
        throw new ValidationError(
          `a preview needs its pull request number: got ${JSON.stringify((ref as { pr?: unknown }).pr)}, expected a whole number from 1`,
        );
      }
      return;
    case 'staging':
    case 'production':
      return;
    default:
      assertNever(kind, 'environment');
  }
}

/** The environment's folder under a project: `pr-3`, `staging` or `production`. */
export function environmentSlug(ref: EnvironmentRef): string {
  return ref.environment === 'preview' ? `pr-${ref.pr}` : ref.environment;
}

/** A key unique across projects, for maps and locks: `shop/pr-3`. */
export function environmentKey(ref: EnvironmentRef): string {
  return `${ref.project}/${environmentSlug(ref)}`;
}

/** The host the proxy serves it at: `pr-3.shop.localhost`, `staging.shop.localhost`, `shop.localhost`. */
export function environmentHost(ref: EnvironmentRef): string {
  return ref.environment === 'production'
    ? `${ref.project}.localhost`
    : `${environmentSlug(ref)}.${ref.project}.localhost`;
}

/** How messages name it: "the preview for PR 3 of shop". */
export function describeEnvironment(ref: EnvironmentRef): string {
  return ref.environment === 'preview'
    ? `the preview for PR ${ref.pr} of ${ref.project}`
    : `${ref.environment} of ${ref.project}`;
}

const HOST_FORM =
  /^(?:(?:pr-(?<pr>[1-9][0-9]{0,8})|(?<staging>staging))\.)?(?<project>[a-z0-9][a-z0-9-]{0,62})\.localhost$/;

/**
 * The environment a Host header names, or null when it is none of the three forms (the API's own
 * `localhost:4400`, an IP address, any other name). The port and a trailing dot are ignored.
 */
export function environmentOfHost(host: string | undefined): EnvironmentRef | null {
  if (host === undefined) return null;
  let name = host.trim().toLowerCase();
  // An IPv6 literal has no environment; any other host may carry a :port.
  if (name.startsWith('[')) return null;
  const colon = name.lastIndexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  const match = HOST_FORM.exec(name);
  const groups = match?.groups;
  if (!groups?.project) return null;
  if (groups.pr !== undefined) return { project: groups.project, environment: 'preview', pr: Number(groups.pr) };
  if (groups.staging !== undefined) return { project: groups.project, environment: 'staging' };
  return { project: groups.project, environment: 'production' };
}
