// Environment secrets of a project: set (the value in the body), listed by name only, removed. A value is never in an answer.
import * as z from 'zod';
import { ENVIRONMENT_KIND_VALUES } from './pipeline.js';

const environment = z
  .enum(ENVIRONMENT_KIND_VALUES, {
    error: () =>
      `unknown environment: secrets belong to ${ENVIRONMENT_KIND_VALUES.join(', ')} (every preview shares the preview ones)`,
  })
  .describe('preview (every pull request’s preview), staging or production');

export const environmentSecretsParamsSchema = z.object({ project: z.string(), environment });

export const environmentSecretParamsSchema = z.object({
  project: z.string(),
  environment,
  name: z.string().describe('upper-case letters, digits and _, like STRIPE_KEY; not PORT or TRUNKFLOW_*'),
});

/** The server checks the value (not empty, 4 characters to 16 KiB, no NUL) and says how to fix it. */
export const setEnvironmentSecretBodySchema = z.strictObject({
  value: z
    .string()
    .describe('the secret’s value: stored encrypted, passed to the environment’s commands, never shown back'),
});
export type SetEnvironmentSecret = z.input<typeof setEnvironmentSecretBodySchema>;

/** A secret as listed: who set it last and when, never its value. */
export const environmentSecretSchema = z.object({
  name: z.string(),
  environment: z.enum(ENVIRONMENT_KIND_VALUES),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type EnvironmentSecret = z.output<typeof environmentSecretSchema>;

export const environmentSecretListSchema = z.object({ secrets: z.array(environmentSecretSchema) });
