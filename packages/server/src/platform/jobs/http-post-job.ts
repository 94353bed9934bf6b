// A real job type: POST a JSON body to a URL, retried on failure (the base for webhooks and notifications).
import { z } from 'zod';
import { defineJob } from './catalog.js';

/** How long one delivery may take before it counts as failed and is retried. */
const DELIVERY_TIMEOUT_MS = 10_000;

export const httpPostJob = defineJob({
  description: 'POSTs `body` as JSON to `url`; a 2xx answer is success, anything else (or no answer) is retried',
  onSecondRun:
    'POSTs again, with the same Idempotency-Key header (trunkflow-job-<job id>): a receiver that keys on it applies the delivery once',
  payload: z.strictObject({
    url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }),
    body: z.json(),
  }),
  maxAttempts: 5,
  async run(payload, context) {
    const response = await fetch(payload.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `trunkflow-job-${context.jobId}` },
      body: JSON.stringify(payload.body),
      redirect: 'manual',
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
    });
    // Drain the body so the connection is reused; its text says why when the receiver refused.
    const text = await response.text();
    if (!response.ok) throw new Error(`${payload.url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  },
});
