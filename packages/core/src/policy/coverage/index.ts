// The coverage parsers and aggregation, re-exported as one module.
export * from './aggregate.js';
export * from './cobertura.js';
export { CoverageParseError, type CoverageParseOptions, normalizeCoveragePath } from './common.js';
export * from './detect.js';
export { parseIstanbulFinal, parseIstanbulSummary } from './istanbul.js';
export * from './lcov.js';
export type * from './model.js';
