// normalizeMessage, as a table: every field bounded, what is cut counted, what no receiver could use dropped; the result always parses.
import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMITS, type NotificationMessage, normalizedMessageSchema, normalizeMessage } from './message.js';

const base: NotificationMessage = {
  type: 'deploy.succeeded',
  environment: 'staging',
  sha: 'a'.repeat(40),
  occurredAt: '2026-03-01T12:00:00.000Z',
};

describe('normalizeMessage', () => {
  it.each<[string, Partial<NotificationMessage>, Record<string, unknown>]>([
    [
      'fills what was left out',
      {},
      {
        tag: null,
        authors: [],
        authorsOmitted: 0,
        url: null,
        logsUrl: null,
        summary: null,
        pullRequests: [],
        pullRequestsOmitted: 0,
      },
    ],
    [
      'keeps http(s) URLs, in normal form',
      { url: 'HTTP://Shop.localhost:4400' },
      { url: 'http://shop.localhost:4400/' },
    ],
    [
      'drops a URL that is not http(s)',
      { url: 'javascript:alert(1)', logsUrl: 'ftp://x.test/' },
      { url: null, logsUrl: null },
    ],
    ['drops a URL that does not parse', { url: 'http://' }, { url: null }],
    ['removes repeated and empty authors', { authors: ['ann', 'bob', 'ann', ''] }, { authors: ['ann', 'bob'] }],
    [
      'cuts long lists and counts what it cut',
      { authors: Array.from({ length: 250 }, (_, i) => `a${i}`) },
      { authorsOmitted: 250 - MESSAGE_LIMITS.authors },
    ],
    ['cuts a long summary', { summary: 's'.repeat(5000) }, { summary: 's'.repeat(MESSAGE_LIMITS.summary) }],
    ['never leaves half an emoji at a cut', { tag: `${'t'.repeat(199)}😀` }, { tag: 't'.repeat(199) }],
    ['replaces lone surrogates', { environment: 'prod\ud800' }, { environment: 'prod\ufffd' }],
    ['gives an empty environment a name', { environment: '' }, { environment: 'unknown' }],
    [
      'keeps a pull request without a URL, and fixes a bad number',
      { pullRequests: [{ number: -3, title: 'x' }] },
      { pullRequests: [{ number: 0, title: 'x', url: null }] },
    ],
  ])('%s', (_case, change, expected) => {
    const normalized = normalizeMessage({ ...base, ...change });
    expect(normalized).toMatchObject(expected);
    expect(normalizedMessageSchema.safeParse(normalized).success).toBe(true);
  });

  it('always produces a payload the job schema accepts, even from a huge release', () => {
    const huge = normalizeMessage({
      ...base,
      sha: 'x'.repeat(1000),
      authors: Array.from({ length: 10_000 }, (_, i) => `author-${i}-${'n'.repeat(500)}`),
      pullRequests: Array.from({ length: 10_000 }, (_, i) => ({
        number: i,
        title: 't'.repeat(10_000),
        url: `https://x.test/${i}`,
      })),
    });
    expect(normalizedMessageSchema.safeParse(huge).success).toBe(true);
    expect(huge.pullRequests).toHaveLength(MESSAGE_LIMITS.pullRequests);
    expect(huge.pullRequestsOmitted).toBe(10_000 - MESSAGE_LIMITS.pullRequests);
    expect(JSON.stringify(huge).length).toBeLessThan(200_000);
  });
});
