// The Slack message: every field the issue asks for, and within Block Kit's limits for a huge release with hostile text.
import type { HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { BLOCK_KIT_LIMITS, blockKitProblems } from './block-kit.js';
import { NOTIFICATION_EVENTS } from './event-types.js';
import { MESSAGE_LIMITS, type NotificationMessage, normalizeMessage } from './message.js';
import { slackMessage } from './slack-message.js';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

const base: NotificationMessage = {
  type: 'release.rolled_back',
  environment: 'production',
  sha: SHA,
  occurredAt: '2026-03-01T12:00:00.000Z',
  tag: 'v1.4.0',
  authors: ['alice', 'bob'],
  url: 'http://shop.localhost:4400/',
  logsUrl: 'http://localhost:4400/api/projects/shop/runs/r-1/logs',
  summary: 'error rate 12% over 5% for 3 intervals',
  pullRequests: [
    { number: 41, title: 'fix: cart total rounds down', url: 'http://localhost:4400/api/projects/shop/pulls/41' },
    { number: 42, title: 'feat: gift cards' },
  ],
};

/** Every text in the message, for looking things up. */
function texts(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

function sections(blocks: KnownBlock[]): SectionBlock[] {
  return blocks.filter((block): block is SectionBlock => block.type === 'section');
}

describe('slackMessage', () => {
  it('shows environment, tag, sha, authors, URL, status and a logs link', () => {
    const payload = slackMessage('shop', normalizeMessage(base));
    expect(blockKitProblems(payload)).toEqual([]);
    const header = payload.blocks[0] as HeaderBlock;
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Release v1.4.0 was rolled back in production', emoji: true },
    });
    expect(payload.text).toBe('Release v1.4.0 was rolled back in production (shop)');
    const fields = (payload.blocks[1] as SectionBlock).fields?.map((field) => field.text);
    expect(fields).toEqual([
      '*Project*\nshop',
      '*Environment*\nproduction',
      '*Status*\n:rewind: rolled-back',
      '*Tag*\nv1.4.0',
      '*Commit*\n`a1b2c3d4e5f6`',
      '*URL*\n<http://shop.localhost:4400/|http://shop.localhost:4400/>',
    ]);
    const all = texts(payload.blocks);
    expect(all).toContain('*On watch*\\nalice, bob');
    expect(all).toContain('error rate 12% over 5% for 3 intervals');
    expect(all).toContain('<http://localhost:4400/api/projects/shop/pulls/41|#41 fix: cart total rounds down>');
    expect(all).toContain('• #42 feat: gift cards');
    const actions = payload.blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { type: 'button', action_id: 'open', text: { text: 'Open production' }, url: base.url },
        { type: 'button', action_id: 'logs', text: { text: 'Logs' }, url: base.logsUrl },
      ],
    });
  });

  it.each(NOTIFICATION_EVENTS)('builds a valid message for %s with only the required fields', (type) => {
    const payload = slackMessage(
      'shop',
      normalizeMessage({ type, environment: 'staging', sha: SHA, occurredAt: 'now' }),
    );
    expect(blockKitProblems(payload)).toEqual([]);
    // The short sha stands in for a missing tag, and nothing empty is sent.
    expect((payload.blocks[0] as HeaderBlock).text.text).toContain('a1b2c3d');
    expect(payload.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it('stays within every limit for a huge release: thousands of authors and PRs, long titles, emoji and markup', () => {
    const hostile = '&<>😀👨‍👩‍👧 ';
    const message: NotificationMessage = {
      ...base,
      environment: hostile.repeat(50),
      tag: `v1.0.0-${'&'.repeat(400)}`,
      summary: hostile.repeat(2000),
      url: `https://shop.example.test/${'p'.repeat(2000)}`,
      logsUrl: `https://logs.example.test/${'l|>'.repeat(600)}`,
      authors: Array.from({ length: 5000 }, (_, i) => `author-${i}-${hostile}`),
      pullRequests: Array.from({ length: 3000 }, (_, i) => ({
        number: i + 1,
        title: `<!channel> ${hostile.repeat(100)}`,
        url: `https://trunkflow.example.test/pulls/${i + 1}`,
      })),
    };
    const normalized = normalizeMessage(message);
    expect(normalized.authors).toHaveLength(MESSAGE_LIMITS.authors);
    expect(normalized.authorsOmitted).toBe(5000 - MESSAGE_LIMITS.authors);
    expect(normalized.pullRequestsOmitted).toBe(3000 - MESSAGE_LIMITS.pullRequests);
    const payload = slackMessage('shop', normalized);

    expect(blockKitProblems(payload)).toEqual([]);
    expect(payload.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.blocks);
    for (const block of sections(payload.blocks)) {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.sectionText);
    }
    const all = texts(payload.blocks);
    // What did not fit is counted, never silently dropped.
    expect(all).toMatch(/…and \d+ more/);
    const pullsSection = sections(payload.blocks).find((block) =>
      block.text?.text.startsWith('*Pull requests (3000)*'),
    );
    expect(pullsSection).toBeDefined();
    const authorsSection = sections(payload.blocks).find((block) => block.text?.text.startsWith('*On watch*'));
    expect(authorsSection?.text?.text).toMatch(/…and 49\d\d more$/);
    // Titles cannot mention the channel: their markup is escaped.
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('#1 &lt;!channel&gt; ');
    // The JSON Slack receives is well-formed Unicode.
    expect(JSON.stringify(payload)).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
  });

  it('makes a longest-possible field set and summary fit too (every bounded field at its bound)', () => {
    const amp = '&'.repeat(5000);
    const payload = slackMessage(
      'p'.repeat(63),
      normalizeMessage({
        ...base,
        environment: amp,
        tag: amp,
        sha: amp,
        summary: amp,
        authors: Array.from({ length: 300 }, (_, i) => `${i}${amp}`),
        pullRequests: Array.from({ length: 300 }, (_, i) => ({
          number: i,
          title: amp,
          url: `https://x.test/${'u'.repeat(2000)}`,
        })),
      }),
    );
    expect(blockKitProblems(payload)).toEqual([]);
  });
});
