// Board statuses and the phases they belong to; the phase, not the status, drives WIP limits and metrics.
import { assertNever } from '../shared/assert-never.js';

/** Stable ids: they are stored and served by the API, so never rename one. */
export const STATUSES = [
  'backlog',
  'planning',
  'ready-to-start',
  'working',
  'acceptance',
  'blocked',
  'preparing-handoff',
  'handoff',
  'canceled',
  'completed',
] as const;

export type Status = (typeof STATUSES)[number];

export const PHASES = ['discovery', 'preparation', 'execution', 'transition', 'closure'] as const;

export type Phase = (typeof PHASES)[number];

export interface StatusDefinition {
  id: Status;
  label: string;
  phase: Phase;
}

// Labels are spelled out rather than derived from ids so a display change never touches a stored id.
const STATUS_LABELS: Readonly<Record<Status, string>> = {
  backlog: 'BACKLOG',
  planning: 'PLANNING',
  'ready-to-start': 'READY TO START',
  working: 'WORKING',
  acceptance: 'ACCEPTANCE',
  blocked: 'BLOCKED',
  'preparing-handoff': 'PREPARING HANDOFF',
  handoff: 'HANDOFF',
  canceled: 'CANCELED',
  completed: 'COMPLETED',
};

const PHASE_LABELS: Readonly<Record<Phase, string>> = {
  discovery: 'Discovery',
  preparation: 'Preparation',
  execution: 'Execution',
  transition: 'Transition',
  closure: 'Closure',
};

export function phaseOf(status: Status): Phase {
  switch (status) {
    case 'backlog':
      return 'discovery';
    case 'planning':
    case 'ready-to-start':
      return 'preparation';
    case 'working':
    case 'acceptance':
    case 'blocked':
      return 'execution';
    case 'preparing-handoff':
    case 'handoff':
      return 'transition';
    case 'canceled':
    case 'completed':
      return 'closure';
    default:
      return assertNever(status, 'status');
  }
}

export function statusLabel(status: Status): string {
  return STATUS_LABELS[status];
}

export function phaseLabel(phase: Phase): string {
  return PHASE_LABELS[phase];
}

/** Every status with its label and phase, in board order. */
export const STATUS_DEFINITIONS: readonly StatusDefinition[] = STATUSES.map((id) => ({
  id,
  label: STATUS_LABELS[id],
  phase: phaseOf(id),
}));

export function statusesInPhase(phase: Phase): Status[] {
  return STATUSES.filter((status) => phaseOf(status) === phase);
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** A task in a closure status is done with the board: it no longer counts as work in progress. */
export function isClosed(status: Status): boolean {
  return phaseOf(status) === 'closure';
}
