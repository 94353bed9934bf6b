// Every event type the server appends: the features' own catalogs, combined at the composition root.
import { gitEvents } from './features/git/events.js';
import { pipelineEvents } from './features/pipeline/events.js';
import { projectEvents } from './features/projects/events.js';
import { pullEvents } from './features/pulls/events.js';
import { combineCatalogs } from './platform/events/catalog.js';

export const eventCatalog = combineCatalogs(projectEvents, gitEvents, pullEvents, pipelineEvents);

export type AppEventCatalog = typeof eventCatalog;
