// The event types of pull requests, their checks and reviews, with their payload schemas.
import { z } from 'zod';
import { defineEvents, shaField } from '../../platform/events/catalog.js';
import { REVIEW_VERDICTS } from './model.js';

const number = z.number().int().positive();

export const pullEvents = defineEvents({
  'pull_request.opened': {
    summary: 'a pull request is opened',
    payload: z.strictObject({
      number,
      title: z.string(),
      head: z.string(),
      headSha: shaField,
      author: z.string(),
      draft: z.boolean(),
      taskKey: z.string().nullable(),
    }),
  },
  'pull_request.synchronized': {
    summary: 'a push moved the head of an open pull request',
    payload: z.strictObject({ number, before: shaField, headSha: shaField }),
  },
  'pull_request.edited': {
    summary: 'the title or body changed',
    payload: z.strictObject({ number, changes: z.array(z.enum(['title', 'body'])), title: z.string() }),
  },
  'pull_request.ready_for_review': {
    summary: 'a draft became ready for review',
    payload: z.strictObject({ number }),
  },
  'pull_request.merged': {
    summary:
      'the squash commit is on trunk and the pull request is merged (with `trunk.updated` in the same transaction)',
    payload: z.strictObject({ number, sha: shaField, title: z.string() }),
  },
  'pull_request.closed': {
    summary: 'closed by a person (`reason` "closed") or because its branch was deleted ("branch-deleted")',
    payload: z.strictObject({ number, reason: z.enum(['closed', 'branch-deleted']) }),
  },
  'pull_request.reopened': {
    summary: 'a closed pull request is open again',
    payload: z.strictObject({ number, headSha: shaField }),
  },
  'check.completed': {
    summary: 'the checks of a head sha ran; `configError` only when trunk’s trunkflow.yml could not be used',
    payload: z.strictObject({
      number,
      sha: shaField,
      ok: z.boolean(),
      failing: z.array(z.string()),
      configError: z.string().optional(),
    }),
  },
  'review.submitted': {
    summary: 'a review is given, about the head sha the reviewer saw',
    payload: z.strictObject({ number, verdict: z.enum(REVIEW_VERDICTS), reviewer: z.string(), sha: shaField }),
  },
  'review.dismissed': {
    summary: 'an approval of an older head is dismissed by a push (when the project dismisses stale approvals)',
    payload: z.strictObject({ number, reviewer: z.string(), sha: shaField, reason: z.string() }),
  },
});

export type PullEvents = typeof pullEvents;
