// The event types the projects feature appends, with their payload schemas.
import { z } from 'zod';
import { VISIBILITIES } from '../../platform/auth/roles.js';
import { defineEvents } from '../../platform/events/catalog.js';

export const projectEvents = defineEvents({
  'project.created': {
    summary: 'a project and its repository are created',
    payload: z.strictObject({ name: z.string(), trunk: z.string(), visibility: z.enum(VISIBILITIES) }),
  },
});

export type ProjectEvents = typeof projectEvents;
