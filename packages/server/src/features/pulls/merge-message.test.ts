// The squash commit's message and co-authors: pure, so tables of cases.
import { describe, expect, it } from 'vitest';
import { coAuthorsOf, squashMessage } from './merge-message.js';
import { pullPushers } from './mergeability.js';

const alice = { name: 'alice', email: 'alice@example.com' };
const bob = { name: 'Bob Builder', email: 'bob@example.com' };
const zoe = { name: 'Zoe', email: 'zoe@example.com' };

describe('squashMessage', () => {
  it.each([
    ['a title alone', 'fix: a', '', [], 'fix: a (#3)\n'],
    ['a title and body', 'fix: a', 'Body.\r\n', [], 'fix: a (#3)\n\nBody.\n'],
    [
      'trailers after the body, one blank line between',
      'fix: a',
      'Body.',
      [bob, zoe],
      'fix: a (#3)\n\nBody.\n\nCo-authored-by: Bob Builder <bob@example.com>\nCo-authored-by: Zoe <zoe@example.com>\n',
    ],
    [
      'trailers with no body',
      ' fix: a ',
      '  ',
      [bob],
      'fix: a (#3)\n\nCo-authored-by: Bob Builder <bob@example.com>\n',
    ],
    [
      'no second trailer for someone the body already credits',
      'fix: a',
      'Body.\n\nCo-authored-by: Bob <BOB@example.com>',
      [bob, zoe],
      'fix: a (#3)\n\nBody.\n\nCo-authored-by: Bob <BOB@example.com>\nCo-authored-by: Zoe <zoe@example.com>\n',
    ],
  ])('%s', (_name, title, body, coAuthors, expected) => {
    expect(squashMessage(title, 3, body, coAuthors)).toBe(expected);
  });
});

describe('coAuthorsOf', () => {
  it('keeps each other author once, in first-commit order, matching e-mails without case, never the author', () => {
    const authors = [
      bob,
      { name: 'Alice L', email: 'ALICE@example.com' },
      zoe,
      { name: 'bob', email: 'Bob@Example.com' },
      bob,
    ];
    expect(coAuthorsOf(alice, authors)).toEqual([bob, zoe]);
  });

  it('is empty when the author wrote every commit', () => {
    expect(coAuthorsOf(alice, [alice, alice])).toEqual([]);
  });
});

describe('pullPushers', () => {
  const opened = '2026-01-01T10:00:00.000Z';
  const push = (pusher: string, afterSha: string, createdAt: string) => ({
    pusher,
    beforeSha: '0'.repeat(40),
    afterSha,
    createdAt,
  });

  it('counts pushes while the PR is open and earlier pushes of its commits, and names the head pusher', () => {
    const result = pullPushers(
      { createdAt: opened, headSha: 'c3' },
      [
        push('old', 'x1', '2025-12-01T00:00:00.000Z'),
        push('alice', 'c1', '2026-01-01T09:00:00.000Z'),
        push('bob', 'c2', '2026-01-01T11:00:00.000Z'),
        push('alice', 'c3', '2026-01-01T12:00:00.000Z'),
      ],
      new Set(['c1', 'c3']),
    );
    expect(result).toEqual({
      pushers: [
        { name: 'bob', lastSha: 'c2' },
        { name: 'alice', lastSha: 'c3' },
      ],
      headPusher: 'alice',
    });
  });

  it('knows no head pusher when no recorded push left the branch at the head', () => {
    expect(pullPushers({ createdAt: opened, headSha: 'c9' }, [], new Set(['c9']))).toEqual({
      pushers: [],
      headPusher: null,
    });
  });
});
