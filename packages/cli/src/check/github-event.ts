// Reads the pull_request event GitHub Actions leaves at $GITHUB_EVENT_PATH.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

export interface PullRequestEvent {
  title: string;
  body: string | null;
  baseSha: string | null;
  baseRef: string | null;
  headSha: string | null;
  headRef: string | null;
}

/** Returns the event's pull request, or null when the event is not about one (e.g. a push). */
export async function readPullRequestEvent(path: string): Promise<PullRequestEvent | null> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `GITHUB_EVENT_PATH=${path}: cannot read the event (${(error as Error).message}): unset GITHUB_EVENT_PATH outside GitHub Actions`,
    );
  }
  const pr = (document as { pull_request?: unknown } | null)?.pull_request;
  if (typeof pr !== 'object' || pr === null) return null;
  const field = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  const side = (value: unknown) =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const record = pr as Record<string, unknown>;
  return {
    title: field(record.title) ?? '',
    body: field(record.body),
    baseSha: field(side(record.base).sha),
    baseRef: field(side(record.base).ref),
    headSha: field(side(record.head).sha),
    headRef: field(side(record.head).ref),
  };
}
