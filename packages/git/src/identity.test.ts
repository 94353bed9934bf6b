// Identities as Co-authored-by trailers write them: pure, so a table of cases.
import { describe, expect, it } from 'vitest';
import { identityEnv, parseIdentity } from './identity.js';

const bob = { name: 'Bob Builder', email: 'bob@example.com' };
const zoe = { name: 'Zoe', email: 'zoe@example.com' };

describe('parseIdentity', () => {
  it.each([
    ['Bob Builder <bob@example.com>', bob],
    ['  Zoe   <zoe@example.com> ', zoe],
    ['bob@example.com', null],
    ['<bob@example.com>', null],
    ['Bob <not an address>', null],
  ])('%s', (value, expected) => {
    expect(parseIdentity(value)).toEqual(expected);
  });
});

describe('identityEnv', () => {
  it('sets author, committer and both dates in UTC seconds', () => {
    const env = identityEnv(bob, zoe, new Date('2026-01-02T03:04:05.678Z'));
    expect(env).toMatchObject({
      GIT_AUTHOR_NAME: 'Bob Builder',
      GIT_AUTHOR_EMAIL: 'bob@example.com',
      GIT_COMMITTER_NAME: 'Zoe',
      GIT_COMMITTER_EMAIL: 'zoe@example.com',
      GIT_AUTHOR_DATE: '1767323045 +0000',
      GIT_COMMITTER_DATE: '1767323045 +0000',
    });
  });
});
