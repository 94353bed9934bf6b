// The error envelope every refused or failed request answers with.
import * as z from 'zod';

/** `{ error: { code, message, details? } }`: `code` is stable (`conflict`, `forbidden`, …), `message` says what to do. */
export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;
