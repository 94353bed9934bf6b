// @trunkflow/core: the pure domain (workflow, PR policy, releases, delivery pipeline), shared by server, CLI and web.
export * from './pipeline/environments.js';
export * from './pipeline/index.js';
export * from './pipeline/secret-values.js';
export * from './policy/index.js';
export * from './release/index.js';
export * from './shared/assert-never.js';
export * from './shared/command-line.js';
export * from './shared/duration.js';
export * from './shared/git-ref.js';
export * from './shared/json-path.js';
export * from './workflow/index.js';
