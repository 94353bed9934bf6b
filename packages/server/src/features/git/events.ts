// The event types hosted git appends (pushes, and trunk moving), with their payload schemas.
import { z } from 'zod';
import { defineEvents, shaField } from '../../platform/events/catalog.js';

const refUpdate = { ref: z.string(), before: shaField, after: shaField, pusher: z.string() };

export const gitEvents = defineEvents({
  push: {
    summary:
      'the pre-receive hook accepted a push: one per ref, before git applies it (`before`/`after` are 40 zeros for a created/deleted ref)',
    payload: z.strictObject(refUpdate),
  },
  'push.failed': {
    summary: 'an accepted update never landed: it undoes that update’s `push` event',
    payload: z.strictObject({ ...refUpdate, reason: z.string().min(1) }),
  },
  'trunk.updated': {
    summary:
      'trunk moved: a squash merge (`source` "merge", `pullRequests` that PR) or an allowed direct push, the first push included (`source` "push", `pullRequests` empty; `before` 40 zeros when it created trunk)',
    payload: z.strictObject({
      trunk: z.string(),
      before: shaField,
      after: shaField,
      pullRequests: z.array(z.number().int().positive()),
      source: z.enum(['merge', 'push']),
    }),
  },
});

export type GitEvents = typeof gitEvents;
/** The trunk event alone, for a feature that moves trunk itself (the squash merge). */
export type TrunkEvents = Pick<GitEvents, 'trunk.updated'>;
