// Block Kit limits: safe truncation in characters, and a checker that catches every limit a payload can break.
import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { BLOCK_KIT_LIMITS, blockKitProblems, escapeMrkdwn, mrkdwnLink, truncate, truncateMrkdwn } from './block-kit.js';

describe('truncate', () => {
  it.each([
    ['short text is kept', 'abc', 5, 'abc'],
    ['text at the limit is kept', 'abcde', 5, 'abcde'],
    ['longer text ends in an ellipsis within the limit', 'abcdef', 5, 'abcd…'],
    ['an emoji is never split into half a surrogate pair', '😀😀😀', 4, '😀…'],
    ['a letter keeps its combining accent', 'e\u0301e\u0301e\u0301', 4, 'e\u0301…'],
    ['a family emoji (one grapheme) is kept whole or left out', 'ab👨‍👩‍👧cd', 8, 'ab…'],
    ['a space before the ellipsis is dropped', 'ab   cdef', 6, 'ab…'],
    ['accented letters count as characters, not bytes', 'é'.repeat(10), 10, 'é'.repeat(10)],
  ])('%s', (_case, text, max, expected) => {
    const result = truncate(text, max);
    expect(result).toBe(expected);
    expect(result.length).toBeLessThanOrEqual(max);
  });

  it.each([
    ['cuts before a link it would split', 'see <https://example.test/a/very/long/path|the page> now', 30, 'see…'],
    ['cuts before an entity it would split', 'fish &amp; chips', 9, 'fish…'],
    ['keeps a link that fits whole', '<https://x.test|x> and more words here', 26, '<https://x.test|x> and mo…'],
  ])('truncateMrkdwn %s', (_case, text, max, expected) => {
    const result = truncateMrkdwn(text, max);
    expect(result).toBe(expected);
    expect(result.length).toBeLessThanOrEqual(max);
  });

  it('escapes what Slack reads as markup, so a title cannot mention @channel or fake a link', () => {
    expect(escapeMrkdwn('<!channel> a & b > c')).toBe('&lt;!channel&gt; a &amp; b &gt; c');
    expect(mrkdwnLink('https://x.test/a|b>c', 'x <y> | z')).toBe('<https://x.test/a%7Cb%3Ec|x &lt;y&gt; | z>');
  });
});

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const ok = { text: 'fallback', blocks: [section('hello')] };

describe('blockKitProblems', () => {
  it('finds nothing wrong in a small valid message', () => {
    expect(blockKitProblems(ok)).toEqual([]);
  });

  const button = (text: string, url: string, id: string) => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text },
    url,
    action_id: id,
  });

  it.each<[string, { text: string; blocks: KnownBlock[] }, RegExp]>([
    ['no blocks', { text: 'x', blocks: [] }, /blocks: 0, must be 1 to 50/],
    ['51 blocks', { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, /blocks: 51/],
    ['a section of 3,001 characters', { text: 'x', blocks: [section('a'.repeat(3001))] }, /3001 characters, over 3000/],
    ['an empty section text', { text: 'x', blocks: [section('')] }, /text must be 1 to 3000/],
    ['an empty fallback text', { text: '', blocks: [section('x')] }, /^text: text must be/],
    [
      'a header of 151 characters',
      { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
      /151 characters, over 150/,
    ],
    [
      'eleven fields',
      {
        text: 'x',
        blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      },
      /11 fields, must be 1 to 10/,
    ],
    [
      'a field of 2,001 characters',
      { text: 'x', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }] },
      /fields\[0\]: 2001 characters, over 2000/,
    ],
    [
      'eleven context elements',
      {
        text: 'x',
        blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
      },
      /11 elements, must be 1 to 10/,
    ],
    [
      'a button label of 76 characters',
      { text: 'x', blocks: [{ type: 'actions', elements: [button('b'.repeat(76), 'https://x.test', 'a')] }] },
      /76 characters, over 75/,
    ],
    [
      'a button URL of 3,001 characters',
      {
        text: 'x',
        blocks: [{ type: 'actions', elements: [button('b', `https://x.test/${'u'.repeat(2986)}`, 'a')] }],
      },
      /url of 3001 characters, over 3000/,
    ],
    [
      'two buttons with one action_id',
      {
        text: 'x',
        blocks: [
          { type: 'actions', elements: [button('a', 'https://x.test', 'same'), button('b', 'https://x.test', 'same')] },
        ],
      },
      /action_id "same" repeats/,
    ],
    ['a lone surrogate', { text: 'x', blocks: [section('bad \ud83d here')] }, /lone UTF-16 surrogate/],
    [
      'a block type the message never uses',
      { text: 'x', blocks: [{ type: 'image', image_url: 'https://x.test/a.png', alt_text: 'a' }] },
      /a block type this message never uses/,
    ],
    [
      'more than 12,000 characters in all',
      { text: 'x', blocks: Array.from({ length: 5 }, () => section('a'.repeat(2500))) },
      /12500 characters of text in all, over 12000/,
    ],
  ])('catches %s', (_case, payload, problem) => {
    const problems = blockKitProblems(payload);
    expect(
      problems.some((line) => problem.test(line)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('counts UTF-16 code units, never fewer than characters: 1,500 emoji fill a 3,000 section', () => {
    expect(blockKitProblems({ text: 'x', blocks: [section('😀'.repeat(1500))] })).toEqual([]);
    expect(blockKitProblems({ text: 'x', blocks: [section('😀'.repeat(1501))] })).not.toEqual([]);
    expect(BLOCK_KIT_LIMITS.sectionText).toBe(3000);
  });
});
