import { describe, expect, it } from 'vitest';
import { STATUSES, type Status } from './status.js';
import { checkTransition, TRANSITIONS } from './transitions.js';

const legal: [Status, Status][] = [
  ['backlog', 'planning'],
  ['planning', 'ready-to-start'],
  ['planning', 'backlog'],
  ['ready-to-start', 'working'],
  ['ready-to-start', 'planning'],
  ['working', 'acceptance'],
  ['working', 'preparing-handoff'],
  ['working', 'ready-to-start'],
  ['acceptance', 'working'],
  ['acceptance', 'preparing-handoff'],
  ['blocked', 'working'],
  ['preparing-handoff', 'handoff'],
  ['preparing-handoff', 'working'],
  ['handoff', 'completed'],
  ['handoff', 'working'],
  ['canceled', 'backlog'],
];

const illegal: [Status, Status][] = [
  ['backlog', 'working'],
  ['backlog', 'completed'],
  ['planning', 'working'],
  ['ready-to-start', 'acceptance'],
  ['working', 'completed'],
  ['working', 'handoff'],
  ['blocked', 'acceptance'],
  ['preparing-handoff', 'canceled'],
  ['handoff', 'backlog'],
  ['canceled', 'working'],
  ['completed', 'working'],
  ['completed', 'backlog'],
];

describe('checkTransition', () => {
  it.each(legal)('allows %s → %s', (from, to) => {
    expect(checkTransition(from, to)).toEqual({ ok: true });
  });

  it.each(illegal)('rejects %s → %s and lists where the task can go', (from, to) => {
    const result = checkTransition(from, to, { blockedBy: 'x', reason: 'x' });
    expect(result).toMatchObject({ ok: false, code: 'illegal-transition' });
    if (result.ok) throw new Error('expected a rejection');
    for (const next of TRANSITIONS[from]) {
      expect(result.message).toContain(next.replaceAll('-', ' ').toUpperCase());
    }
  });

  it('says COMPLETED is final', () => {
    const result = checkTransition('completed', 'working');
    expect(result).toMatchObject({ ok: false, code: 'illegal-transition' });
    expect(!result.ok && result.message).toMatch(/COMPLETED is final/);
  });

  it.each(STATUSES.map((s) => [s]))('rejects staying in %s', (status) => {
    expect(checkTransition(status, status)).toMatchObject({ ok: false, code: 'same-status' });
  });

  it.each([
    ['working', {}],
    ['acceptance', { blockedBy: '' }],
    ['working', { blockedBy: '   ' }],
    ['working', { reason: 'waiting' }],
  ] as const)('requires blockedBy to enter BLOCKED from %s (%j)', (from, input) => {
    const result = checkTransition(from, 'blocked', input);
    expect(result).toMatchObject({ ok: false, code: 'reason-required' });
    expect(!result.ok && result.message).toMatch(/blockedBy/);
  });

  it('enters BLOCKED when it says what the task waits for', () => {
    expect(checkTransition('working', 'blocked', { blockedBy: 'API keys from the payments team' })).toEqual({
      ok: true,
    });
  });

  it.each([
    ['backlog', {}],
    ['planning', { reason: '' }],
    ['blocked', { reason: ' \n' }],
    ['working', { blockedBy: 'someone' }],
  ] as const)('requires a reason to enter CANCELED from %s (%j)', (from, input) => {
    const result = checkTransition(from, 'canceled', input);
    expect(result).toMatchObject({ ok: false, code: 'reason-required' });
    expect(!result.ok && result.message).toMatch(/reason/);
  });

  it('enters CANCELED with a reason', () => {
    expect(checkTransition('acceptance', 'canceled', { reason: 'superseded by TF-40' })).toEqual({ ok: true });
  });

  it('checks legality before the reason, so the user learns the move is impossible first', () => {
    expect(checkTransition('completed', 'canceled')).toMatchObject({ ok: false, code: 'illegal-transition' });
  });

  it('only names real statuses in the table, and completed is terminal', () => {
    for (const [from, targets] of Object.entries(TRANSITIONS)) {
      expect(STATUSES).toContain(from);
      for (const to of targets) expect(STATUSES).toContain(to);
    }
    expect(TRANSITIONS.completed).toEqual([]);
  });
});
