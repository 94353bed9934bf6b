// The policy engine: PR rules as pure functions of gathered facts.

export { calendarDay } from './calendar.js';
export * from './config.js';
export * from './coverage/index.js';
export { evaluate, isPassing, neededFacts, RULES } from './engine.js';
export { disabledFlagDefinition } from './flag-references.js';
export type { Rule, RuleContext, RuleOutcome } from './rule.js';
export { findTaskKey } from './rules/linked-task.js';
export { USER_FLOW_PLACEHOLDER } from './rules/user-flow-checklist.js';
export * from './types.js';
