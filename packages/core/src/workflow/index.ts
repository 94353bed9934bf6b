// Public surface of the Kanban model: statuses, phases, transitions, WIP limits and time in status.
export {
  isClosed,
  isPhase,
  isStatus,
  PHASES,
  type Phase,
  phaseLabel,
  phaseOf,
  STATUS_DEFINITIONS,
  STATUSES,
  type Status,
  type StatusDefinition,
  statusesInPhase,
  statusLabel,
} from './status.js';
export { type StatusEntry, timeInStatus } from './time-in-status.js';
export {
  canTransition,
  checkTransition,
  nextStatuses,
  TRANSITIONS,
  type TransitionCheck,
  type TransitionErrorCode,
  type TransitionInput,
} from './transitions.js';
export {
  evaluateWip,
  type StatusCounts,
  type WipBreach,
  type WipEvaluation,
  type WipLimit,
  type WipMode,
  type WipMove,
  type WipScope,
  type WipVerdict,
  wipLimitSchema,
  wipScopeLabel,
} from './wip.js';
