// Concurrency: which queued runs may start now and which are superseded, at most one running run per environment.
import type { EnvironmentKind, TriggerKind } from './plan.js';
import type { RunStatus } from './run.js';

export interface AdmissionRun {
  id: string;
  /**
   * The environment instance the run works on: `pr-<n>` for a preview (so each PR's preview
   * queues on its own), `staging`, `production`.
   */
  environment: string;
  kind: EnvironmentKind;
  trigger: TriggerKind;
  status: RunStatus;
  /** Creation order: epoch milliseconds or any increasing number; ties fall back to `id`. */
  createdAt: number;
  sha: string;
}

export interface Admission {
  /** Queued runs to start now, at most one per environment, oldest first. */
  start: { runId: string; environment: string }[];
  /** Queued runs to cancel, with the reason to record. */
  cancel: { runId: string; reason: string }[];
}

/**
 * Decides over every open run the server knows of (the rest are ignored):
 * - at most one run at a time per environment: while one is running, the others wait;
 * - the queue is in creation order, except that a queued rollback goes first, since production
 *   is serving a release that failed and a rollback restores the last good one;
 * - a queued, not-yet-started preview deploy is canceled when a newer run exists for the same
 *   preview (a newer commit of the PR, or its destroy). Staging and production never drop a
 *   queued run: every change deploys, in order.
 */
export function admit(runs: readonly AdmissionRun[]): Admission {
  const open = runs.filter((run) => run.status === 'queued' || run.status === 'running').sort(byCreation);
  const cancel: Admission['cancel'] = [];
  const canceled = new Set<string>();
  for (const run of open) {
    const newer = supersededBy(run, open);
    if (newer === null) continue;
    canceled.add(run.id);
    cancel.push({ runId: run.id, reason: supersedeReason(run, newer) });
  }
  const start: Admission['start'] = [];
  const environments = [...new Set(open.map((run) => run.environment))];
  for (const environment of environments) {
    const here = open.filter((run) => run.environment === environment && !canceled.has(run.id));
    if (here.some((run) => run.status === 'running')) continue;
    const next = here.filter((run) => run.status === 'queued').sort(byTurn)[0];
    if (next) start.push({ runId: next.id, environment });
  }
  return { start, cancel };
}

function supersededBy(run: AdmissionRun, open: readonly AdmissionRun[]): AdmissionRun | null {
  if (run.kind !== 'preview' || run.trigger !== 'deploy' || run.status !== 'queued') return null;
  const newer = open.filter((other) => other.environment === run.environment && byCreation(run, other) < 0);
  return newer.at(-1) ?? null;
}

function supersedeReason(run: AdmissionRun, newer: AdmissionRun): string {
  if (newer.trigger === 'destroy') {
    return `superseded by run ${newer.id}: ${run.environment} is being destroyed, so its queued deploy of ${short(run.sha)} is not needed`;
  }
  return `superseded by run ${newer.id}: a newer commit ${short(newer.sha)} replaces ${short(run.sha)} on ${run.environment} before this deploy started`;
}

function byCreation(a: AdmissionRun, b: AdmissionRun): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byTurn(a: AdmissionRun, b: AdmissionRun): number {
  const rank = (run: AdmissionRun) => (run.trigger === 'rollback' ? 0 : 1);
  return rank(a) - rank(b) || byCreation(a, b);
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
