// @trunkflow/api: the HTTP contract. Zod only (no Node APIs), so the server, the CLI and the browser import the same schemas.
//
// Response schemas hold no transforms or defaults: what the server sends is what a client's parse
// returns, so a client may validate with them and keep the answer as sent.
export * from './auth.js';
export * from './commit-text.js';
export * from './errors.js';
export * from './events.js';
export * from './git-hook.js';
export * from './jobs.js';
export * from './notifications.js';
export * from './numbers.js';
export * from './pipeline.js';
export * from './projects.js';
export * from './pulls.js';
export * from './run-stream.js';
export * from './secrets.js';
