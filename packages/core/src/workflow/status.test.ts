import { describe, expect, it } from 'vitest';
import {
  isPhase,
  isStatus,
  PHASES,
  phaseOf,
  STATUS_DEFINITIONS,
  STATUSES,
  statusesInPhase,
  statusLabel,
} from './status.js';

describe('statuses and phases', () => {
  it.each([
    ['backlog', 'discovery', 'BACKLOG'],
    ['planning', 'preparation', 'PLANNING'],
    ['ready-to-start', 'preparation', 'READY TO START'],
    ['working', 'execution', 'WORKING'],
    ['acceptance', 'execution', 'ACCEPTANCE'],
    ['blocked', 'execution', 'BLOCKED'],
    ['preparing-handoff', 'transition', 'PREPARING HANDOFF'],
    ['handoff', 'transition', 'HANDOFF'],
    ['canceled', 'closure', 'CANCELED'],
    ['completed', 'closure', 'COMPLETED'],
  ] as const)('%s is in %s and shows as %s', (status, phase, label) => {
    expect(phaseOf(status)).toBe(phase);
    expect(statusLabel(status)).toBe(label);
    expect(STATUS_DEFINITIONS.find((d) => d.id === status)).toEqual({ id: status, label, phase });
  });

  it('lists every status exactly once across the phases, in board order', () => {
    expect(PHASES.flatMap(statusesInPhase)).toEqual([...STATUSES]);
  });

  it.each([
    ['working', true],
    ['ready-to-start', true],
    ['WORKING', false],
    ['ready to start', false],
    ['', false],
    [undefined, false],
    [3, false],
  ])('isStatus(%j) is %s', (value, expected) => {
    expect(isStatus(value)).toBe(expected);
  });

  it.each([
    ['execution', true],
    ['working', false],
  ])('isPhase(%j) is %s', (value, expected) => {
    expect(isPhase(value)).toBe(expected);
  });
});
