import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import { USER_FLOW_PLACEHOLDER, userFlowChecklist } from './user-flow-checklist.js';

function run(body: string | null, heading?: string) {
  const config = { ...defaultConfig().rules['user-flow-checklist'], ...(heading === undefined ? {} : { heading }) };
  return userFlowChecklist.evaluate(
    { now: '2026-03-10T12:00:00Z', pr: { title: 'feat: x', body, branch: 'feature/TF-5', author: null } },
    config,
    { timezone: 'UTC', trunk: 'main' },
  );
}

const lines = (...parts: string[]) => parts.join('\n');

interface Flow {
  flow: string;
  checked: boolean;
}

describe('user-flow-checklist rule', () => {
  it('needs no gathered facts', () => {
    expect(userFlowChecklist.id).toBe('user-flow-checklist');
    expect(userFlowChecklist.needs).toEqual([]);
  });

  it.each([
    {
      name: 'all items checked',
      body: lines('## Summary', 'Adds checkout.', '', '## User flows tested', '- [x] signed up', '- [x] paid by card'),
      flows: [
        { flow: 'signed up', checked: true },
        { flow: 'paid by card', checked: true },
      ],
    },
    {
      name: 'a capital X and a star bullet',
      body: lines('## User flows tested', '* [X] signed up', '+ [x] logged out'),
      flows: [
        { flow: 'signed up', checked: true },
        { flow: 'logged out', checked: true },
      ],
    },
    {
      name: 'the heading in another case with a trailing colon',
      body: lines('### user FLOWS tested:', '', '- [x] signed up'),
      flows: [{ flow: 'signed up', checked: true }],
    },
    {
      name: 'a setext heading',
      body: lines('User flows tested', '-----------------', '', '1. [x] signed up'),
      flows: [{ flow: 'signed up', checked: true }],
    },
    {
      name: 'items under a deeper sub-heading inside the section',
      body: lines('## User flows tested', '- [x] signed up', '### Mobile', '- [x] paid on iOS', '## Notes', 'none'),
      flows: [
        { flow: 'signed up', checked: true },
        { flow: 'paid on iOS', checked: true },
      ],
    },
    {
      name: 'a task item nested under a plain item',
      body: lines('## User flows tested', '- Checkout', '  - [x] paid by card'),
      flows: [{ flow: 'paid by card', checked: true }],
    },
    {
      name: 'an unchecked item under a later, unrelated heading',
      body: lines('## User flows tested', '- [x] signed up', '## Follow-ups', '- [ ] write docs'),
      flows: [{ flow: 'signed up', checked: true }],
    },
  ])('passes with $name', ({ body, flows }) => {
    const outcome = run(body);
    expect(outcome.status).toBe('pass');
    expect((outcome.details as { flows: Flow[] }).flows).toEqual(flows);
    expect(outcome.message).toContain(`${flows.length} user flow`);
  });

  it.each([
    {
      name: 'one unchecked item, named in the message',
      body: lines('## User flows tested', '- [x] signed up', '- [ ] paid by card'),
      expected: ['1 of 2', '"paid by card"'],
    },
    {
      name: 'an unchecked item under a sub-heading of the section',
      body: lines('## User flows tested', '- [x] signed up', '### Mobile', '- [ ] paid on iOS'),
      expected: ['"paid on iOS"'],
    },
    {
      name: 'a section whose only checklist is in a fenced code block',
      body: lines('## User flows tested', '```md', '- [x] signed up', '```'),
      expected: ['no task items'],
    },
    {
      name: 'a section whose only checklist is in an HTML comment',
      body: lines('## User flows tested', '<!--', '- [x] signed up', '', '- [x] paid', '-->'),
      expected: ['no task items'],
    },
    {
      name: 'a section with plain list items only',
      body: lines('## User flows tested', '- signed up', '- paid'),
      expected: ['no task items'],
    },
    {
      name: 'checked items only under a later, unrelated heading',
      body: lines('## User flows tested', 'Tested manually.', '## Other', '- [x] signed up'),
      expected: ['no task items'],
    },
    {
      name: 'no section at all',
      body: lines('## Summary', '- [x] signed up'),
      expected: ['no "User flows tested" section'],
    },
    {
      name: 'the heading text in a code block only',
      body: lines('```', '## User flows tested', '- [x] signed up', '```'),
      expected: ['no "User flows tested" section'],
    },
    {
      name: 'the heading as plain text, not a heading',
      body: lines('User flows tested:', '- [x] signed up'),
      expected: ['no "User flows tested" section'],
    },
    { name: 'an empty body', body: '', expected: ['empty'] },
    { name: 'a blank body', body: '  \n\t\n', expected: ['empty'] },
    { name: 'a null body', body: null, expected: ['empty'] },
  ])('fails with $name', ({ body, expected }) => {
    const outcome = run(body);
    expect(outcome.status).toBe('fail');
    for (const text of expected) expect(outcome.message).toContain(text);
  });

  it('names every unchecked flow', () => {
    const outcome = run(lines('## User flows tested', '- [ ] signed up', '- [x] paid', '- [ ] logged out'));
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('2 of 3');
    expect(outcome.message).toContain('"signed up", "logged out"');
  });

  it('tells how to add the section when it is missing', () => {
    expect(run('Just a description').message).toContain('## User flows tested');
  });

  it.each([
    { body: lines('## QA', '- [x] smoke test'), status: 'pass' },
    { body: lines('## qa:', '- [ ] smoke test'), status: 'fail' },
    { body: lines('## User flows tested', '- [x] smoke test'), status: 'fail' },
  ])('uses a configured heading ($status)', ({ body, status }) => {
    const outcome = run(body, 'QA');
    expect(outcome.status).toBe(status);
    if (status === 'fail' && !body.includes('## qa')) expect(outcome.message).toContain('"QA"');
  });

  it.each([
    {
      name: 'the placeholder alone, unticked',
      body: lines('## User flows tested', '', `- [ ] ${USER_FLOW_PLACEHOLDER}`),
    },
    { name: 'the placeholder ticked', body: lines('## User flows tested', `- [x] ${USER_FLOW_PLACEHOLDER}`) },
    {
      name: 'the placeholder beside real flows',
      body: lines('## User flows tested', '- [x] signed up', `- [ ] ${USER_FLOW_PLACEHOLDER}`),
    },
  ])('asks to replace the placeholder, not to add the heading, with $name', ({ body }) => {
    const outcome = run(body);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('replace the placeholder with the flows you tested');
    expect(outcome.message).not.toContain('add "## User flows tested"');
  });

  it('reads the placeholder through the markdown, so one in a code block is not the placeholder', () => {
    const outcome = run(
      lines('## User flows tested', '- [x] signed up', '```', `- [ ] ${USER_FLOW_PLACEHOLDER}`, '```'),
    );
    expect(outcome.status).toBe('pass');
  });

  it('does not tell to add a heading that is there when the section lists no task items', () => {
    const outcome = run(lines('## User flows tested', '', '- [ ] '));
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('the "User flows tested" section lists no task items: under it, list each');
    expect(outcome.message).not.toContain('add "## User flows tested"');
  });
});
