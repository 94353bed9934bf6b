// PR titles and bodies become the squash commit's message: one check for what git cannot store, shared by routes and gate.
import * as z from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be part of a commit message, or null when it can. git refuses a NUL in a
 * message, and a lone UTF-16 surrogate has no UTF-8 form (it would be written as U+FFFD, so the
 * commit would not say what the PR says).
 */
export function messageTextProblem(text: string): string | null {
  if (text.includes('\u0000'))
    return 'contains a NUL byte (\\u0000), which git cannot store in a commit message: remove it';
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains a lone UTF-16 surrogate (\\u${unit}) at character ${lone.index}, which is not valid Unicode: send valid UTF-8 text`;
  }
  return null;
}

function messageText(schema: z.ZodString) {
  return schema.superRefine((text, context) => {
    const problem = messageTextProblem(text);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });
}

/** A PR title: the squash commit's subject. */
export const pullTitleSchema = messageText(
  z.string().trim().min(1, 'the title is empty: give a Conventional Commit title').max(256),
);

/** A PR body: the squash commit's message body. */
export const pullBodySchema = messageText(z.string().max(65_536));
