// The two internal routes the pre-receive hook calls on the server's own machine (hidden from the OpenAPI document).
import * as z from 'zod';

/** The longest crash text the hook sends the server, and the crash endpoint takes. */
export const HOOK_CRASH_TEXT_LIMIT = 16_384;

/** The ref updates of one push, as git hands them to the hook. */
export const preReceiveBodySchema = z.strictObject({
  updates: z.array(z.strictObject({ oldSha: z.string(), newSha: z.string(), ref: z.string() })).max(10_000),
});

/** An error of the hook's own, reported so the admin finds it in the server log. */
export const hookCrashBodySchema = z.strictObject({
  error: z.string().max(HOOK_CRASH_TEXT_LIMIT),
  stderr: z.string().max(HOOK_CRASH_TEXT_LIMIT),
});
