// Projects: each one a hosted git repository with its merge settings.
import * as z from 'zod';

/** `internal`: every user reads the project; `private`: its members and admins only. */
export const VISIBILITIES = ['internal', 'private'] as const;
export type VisibilityName = (typeof VISIBILITIES)[number];
export const DEFAULT_VISIBILITY: VisibilityName = 'internal';

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  trunk: z.string(),
  allowDirectTrunkPush: z.boolean(),
  dismissStaleApprovals: z.boolean(),
  requiredApprovals: z.number(),
  visibility: z.enum(VISIBILITIES),
  createdAt: z.string(),
  gitUrl: z.string(),
});
export type Project = z.output<typeof projectSchema>;

export const projectListSchema = z.object({ projects: z.array(projectSchema) });

export const projectParamsSchema = z.object({ project: z.string() });

export const createProjectBodySchema = z.strictObject({
  name: z.string(),
  trunk: z.string().optional(),
  allowDirectTrunkPush: z.boolean().optional(),
  dismissStaleApprovals: z.boolean().optional(),
  requiredApprovals: z.number().int().min(0).max(10).optional(),
  visibility: z
    .enum(VISIBILITIES)
    .optional()
    .describe(`internal: every user reads it; private: members and admins only (default ${DEFAULT_VISIBILITY})`),
});
export type NewProject = z.input<typeof createProjectBodySchema>;
