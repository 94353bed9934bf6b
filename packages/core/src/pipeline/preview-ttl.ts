// The preview TTL sweep's decision: which previews went without a deploy for longer than their TTL, and so are destroyed.
import { formatDuration } from '../shared/duration.js';

/** `environments.preview.ttl` when trunkflow.yml does not set it: 14 days. */
export const DEFAULT_PREVIEW_TTL_MS = 14 * 86_400_000;

/** The facts the sweep reads about one preview; the caller's clock gives `now` (core has none). */
export interface PreviewFacts {
  envKey: string;
  prNumber: number;
  /** Already destroyed (its PR merged or closed, or an earlier sweep): nothing to do. */
  destroyed: boolean;
  /** A run of it is queued or running, or it is being deployed: that is no forgotten preview. */
  busy: boolean;
  /** When its last deploy changed it, epoch milliseconds. */
  lastDeployAt: number;
  /** `environments.preview.ttl` of the trunkflow.yml it was deployed with, in milliseconds. */
  ttlMs: number;
}

export interface PreviewExpiry {
  expired: boolean;
  /** Why, for the destroy run's log and the sweep's own. */
  reason: string;
}

/** Whether one preview is to be destroyed at `now`: not destroyed, not busy, and idle for at least its TTL. */
export function previewExpiry(preview: PreviewFacts, now: number): PreviewExpiry {
  if (preview.destroyed) return { expired: false, reason: 'already destroyed' };
  if (preview.busy) return { expired: false, reason: 'a run of it is queued or running' };
  const idle = now - preview.lastDeployAt;
  const ttl = formatDuration(preview.ttlMs);
  if (idle < preview.ttlMs) {
    // A last deploy "in the future" (a clock set back) counts as fresh: never destroy on a doubtful reading.
    const left = preview.ttlMs - Math.max(idle, 0);
    return { expired: false, reason: `deployed within its ttl ${ttl}; ${formatDuration(left)} left` };
  }
  return {
    expired: true,
    reason: `no deploy for ${formatDuration(Math.floor(idle / 1000) * 1000)}, at least its ttl ${ttl}`,
  };
}

/** The previews of `previews` to destroy at `now`, with the reason of each, in the order given. */
export function expiredPreviews<P extends PreviewFacts>(
  previews: readonly P[],
  now: number,
): { preview: P; reason: string }[] {
  return previews.flatMap((preview) => {
    const expiry = previewExpiry(preview, now);
    return expiry.expired ? [{ preview, reason: expiry.reason }] : [];
  });
}
