// The hosted git store: pushes accepted by the hook and not yet settled, with no business rules.
import type { RefUpdate } from './push-policy.js';

export interface PendingPush {
  id: string;
  projectId: string;
  /** The pusher's user name. */
  actor: string;
  updates: RefUpdate[];
  createdAt: string;
}

export interface GitStore {
  insertPending(push: PendingPush): Promise<void>;
  /** Oldest first. */
  listPending(): Promise<PendingPush[]>;
  /** Ends a pending push; true for the one call that removed it, so its end is written once. */
  endPending(id: string): Promise<boolean>;
}
