// Hosted git's shapes: options, reports, crash points and the push bookkeeping the service keeps.
import type { Actor } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { ConfigError } from '../../platform/config.js';
import type { Project } from '../projects/service.js';
import type { OpenPullOnBranch, RefUpdate } from './push-policy.js';

export type RefsUpdatedListener = (project: Project, updates: RefUpdate[], pusher: Actor) => Promise<void>;

/** Open PRs whose head is one of `branches`; asked of the pulls feature, whose tables these are. */
export type OpenPullsLookup = (projectId: string, branches: readonly string[]) => Promise<readonly OpenPullOnBranch[]>;

/** Test-only crash points (ServerConfig.faults) of hosted git. */
export const GIT_FAULTS = [
  /** The push-check endpoint answers something that is not a push-check answer: the hook crashes. */
  'git.hook-bad-answer',
  /** kill -9 right after the `push` events commit, before the hook hears back: git applies nothing. */
  'git.after-push-event',
  /** kill -9 after git exited, before the push is settled: the updates landed, unconfirmed. */
  'git.before-settle',
] as const;

/** The hook could not run at start, so no push could be accepted: the server refuses to start. */
export class HookUnusableError extends ConfigError {}

export interface PendingPush {
  actor: Actor;
  project: Project;
  repo: string;
  /** The updates the pre-receive hook accepted and recorded `push` events for. */
  accepted: RefUpdate[];
  /** The pending_pushes row written with those events; null until then. */
  pendingId: string | null;
  /** Whether the hook reached the server at all (a push check or a crash report). */
  hookCalled: boolean;
}

/** What one run of the hook's self-test found: null when it loaded and ran. */
export interface HookProbe {
  problem: string | null;
  stderr: string;
}

export interface GitHostingOptions {
  /** Where hooks are written (`<dataDir>/hooks`). */
  dataDir: string;
  /** The URL of the push-check endpoint, as the hook on this machine reaches it. */
  hookUrl: () => string;
  onRefsUpdated: RefsUpdatedListener;
  openPullsOnBranches: OpenPullsLookup;
  clock: Clock;
  ids: IdGenerator;
  faults?: readonly string[];
  /** What a fault point does; kill -9 in a server. */
  onFault?: (point: string) => void;
  maxPushBytes?: number;
}

export interface GitReconcileReport {
  /** Interrupted pushes whose updates all landed. */
  pushesLanded: number;
  /** `push.failed` events written for updates an interrupted push never applied. */
  updatesFailed: number;
}

/** A git request that passed authentication and authorisation, ready to run. */
export interface AuthorizedGitRequest {
  project: Project;
  service: string;
  /** Only the receive-pack POST can move refs; it alone gets a push session. */
  movesRefs: boolean;
  actor: Actor;
}
