// Pipeline runs and environments as the server keeps them: a core/pipeline RunState plus what it deploys where.
import type { EnvironmentKind, RunState, TriggerKind } from '@trunkflow/core';
import { ValidationError } from '../../platform/errors.js';

/** What started a run; stable strings, part of the API. */
export const RUN_TRIGGERS = ['pull_request', 'trunk', 'tag', 'manual', 'monitor', 'ttl', 'retry'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface PipelineRun {
  id: string;
  projectId: string;
  environment: EnvironmentKind;
  /** `pr-<n>` for a preview, else the environment's name: the unit of "one run at a time". */
  envKey: string;
  prNumber: number | null;
  sha: string;
  /** The release tag it deploys (production), or null. */
  version: string | null;
  kind: TriggerKind;
  trigger: RunTrigger;
  actor: string | null;
  /** What caused it (`event:<id>`), unique; null when a person asked. */
  source: string | null;
  state: RunState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `deploying` while a run deploys it, `live` once it answers, `failed` when its last deploy failed, `destroyed` after destroy. */
export const ENVIRONMENT_STATUSES = ['deploying', 'live', 'failed', 'destroyed'] as const;
export type EnvironmentStatus = (typeof ENVIRONMENT_STATUSES)[number];

export interface EnvironmentRecord {
  projectId: string;
  envKey: string;
  kind: EnvironmentKind;
  prNumber: number | null;
  status: EnvironmentStatus;
  url: string | null;
  sha: string | null;
  version: string | null;
  runId: string | null;
  updatedAt: string;
}

export interface OutputLine {
  id: number;
  step: number;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
  at: string;
}

export function envKeyOf(environment: EnvironmentKind, prNumber: number | null): string {
  if (environment !== 'preview') return environment;
  if (prNumber === null) throw new ValidationError('a preview belongs to a pull request: give its number');
  return `pr-${prNumber}`;
}

/** How a release's production window went; stable strings, part of the API (`trunkflow releases list`). */
export const RELEASE_STATUSES = ['tagged', 'watching', 'passed', 'failed', 'rolled-back', 'inconclusive'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export interface ReleaseRecord {
  projectId: string;
  tag: string;
  sha: string;
  status: ReleaseStatus;
  prs: number[];
  /** The PR authors: the people on watch during its window. */
  authors: string[];
  runId: string | null;
  incidentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IncidentRecord {
  id: string;
  projectId: string;
  tag: string;
  runId: string;
  reason: string;
  createdAt: string;
  resolvedAt: string | null;
}

export interface MeasurementRecord {
  check: string;
  outcome: 'ok' | 'failed' | 'inconclusive' | 'error';
  detail: string;
  at: string;
}
