import type { Heading, Link, List } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { toString as mdToString } from 'mdast-util-to-string';
import { describe, expect, it } from 'vitest';
import { planRelease } from './plan-release.js';
import { type ReleaseNoteCommit, type ReleaseNotesInput, releaseNotes } from './release-notes.js';

const BASE = 'http://127.0.0.1:4400/projects/shop';
const prUrl = (pr: number) => `${BASE}/pulls/${pr}`;

let n = 0;
function planned(...messages: string[]): ReleaseNoteCommit[] {
  const commits = messages.map((message) => {
    n += 1;
    return { sha: `${n}`.padStart(40, 'a'), message };
  });
  return planRelease({ lastTag: 'v1.0.0', commits }).commits;
}

function notes(commits: readonly ReleaseNoteCommit[], extra: Partial<ReleaseNotesInput> = {}) {
  return releaseNotes({ tag: 'v2.0.0', previousTag: 'v1.0.0', commits, prUrl, ...extra });
}

describe('releaseNotes', () => {
  it('writes the annotated tag message', () => {
    const commits = planned(
      'feat(board): drag cards (#12)',
      'fix: keep WIP count after reload (#13)',
      'feat(api)!: drop the v1 API (#14)',
      'docs: explain WIP (#15)',
      'perf: cache the board query (#16)',
      'Revert "fix: flaky login (#9)" (#17)',
      'chore(deps): bump zod (#18)',
    );
    expect(notes(commits).markdown).toBe(
      [
        'v2.0.0',
        '',
        '5 changes since v1.0.0.',
        '',
        'Breaking changes',
        '----------------',
        '',
        `- **api:** drop the v1 API ([#14](${BASE}/pulls/14))`,
        '',
        'Features',
        '--------',
        '',
        `- **board:** drag cards ([#12](${BASE}/pulls/12))`,
        '',
        'Fixes',
        '-----',
        '',
        `- keep WIP count after reload ([#13](${BASE}/pulls/13))`,
        '',
        'Other changes',
        '-------------',
        '',
        `- perf: cache the board query ([#16](${BASE}/pulls/16))`,
        `- revert: fix: flaky login ([#9](${BASE}/pulls/9))`,
        '',
      ].join('\n'),
    );
  });

  it.each<[message: string, group: string | null]>([
    ['feat: a (#1)', 'features'],
    ['fix: a (#1)', 'fixes'],
    ['perf: a (#1)', 'other'],
    ['revert: a (#1)', 'other'],
    ['feat!: a (#1)', 'breaking'],
    ['fix(api)!: a (#1)', 'breaking'],
    ['chore!: require Node 22 (#1)', 'breaking'],
    ['rework config\n\nBREAKING CHANGE: new layout', 'breaking'],
    ['feat: a\n\nBREAKING CHANGE: b', 'breaking'],
    ['docs: a (#1)', null],
    ['chore: a (#1)', null],
    ['ci: a (#1)', null],
    ['test: a (#1)', null],
    ['update readme (#1)', null],
  ])('%j goes under %s', (message, group) => {
    const { sections } = notes(planned(message));
    expect(sections.map((section) => section.group)).toEqual(group === null ? [] : [group]);
  });

  it('lists a breaking change once', () => {
    const { sections } = notes(planned('feat!: a (#1)'));
    expect(sections.flatMap((section) => section.entries)).toHaveLength(1);
  });

  it('keeps the order it was given within a section', () => {
    const { sections } = notes(planned('fix: c (#3)', 'fix: a (#1)', 'fix: b (#2)'));
    expect(sections[0]?.entries.map((entry) => entry.text)).toEqual(['c', 'a', 'b']);
  });

  it.each<
    [name: string, commit: Partial<ReleaseNoteCommit>, commitUrl: ((sha: string) => string) | undefined, line: string]
  >([
    [
      'a PR read from the subject',
      { subject: 'add filters (#12)' },
      undefined,
      `- add filters ([#12](${BASE}/pulls/12))`,
    ],
    [
      'a PR given explicitly wins',
      { subject: 'add filters (#12)', pr: 40 },
      undefined,
      `- add filters ([#40](${BASE}/pulls/40))`,
    ],
    [
      'a PR given for a subject without one',
      { subject: 'add filters', pr: 7 },
      undefined,
      `- add filters ([#7](${BASE}/pulls/7))`,
    ],
    ['no PR: the short sha', { subject: 'add filters', sha: 'abcdef0123456789' }, undefined, '- add filters (abcdef0)'],
    [
      'no PR with a commit URL',
      { subject: 'add filters', sha: 'abcdef0123456789' },
      (sha) => `${BASE}/commits/${sha}`,
      `- add filters ([abcdef0](${BASE}/commits/abcdef0123456789))`,
    ],
    [
      'a "(#n)" inside the subject is not the PR',
      { subject: 'undo (#3) handling' },
      undefined,
      '- undo (#3) handling (aaaaaaa)',
    ],
    [
      'a scope',
      { subject: 'drag cards (#2)', scope: 'board' },
      undefined,
      `- **board:** drag cards ([#2](${BASE}/pulls/2))`,
    ],
  ])('links %s', (_name, commit, commitUrl, line) => {
    const full: ReleaseNoteCommit = {
      sha: 'a'.repeat(40),
      bump: 'minor',
      type: 'feat',
      scope: null,
      subject: '',
      breaking: false,
      ...commit,
    };
    expect(notes([full], commitUrl ? { commitUrl } : {}).markdown.split('\n')).toContain(line);
  });

  it.each<[previousTag: string | null, count: number, summary: string]>([
    ['v1.0.0', 1, '1 change since v1.0.0.'],
    ['v1.0.0', 2, '2 changes since v1.0.0.'],
    [null, 1, 'First release: 1 change.'],
  ])('summarises %s with %d commits', (previousTag, count, summary) => {
    const commits = planned(...Array.from({ length: count }, (_, i) => `fix: f${i} (#${i + 1})`));
    expect(notes(commits, { previousTag }).markdown.split('\n')[2]).toBe(summary);
  });

  it('says so when nothing notable is in the release', () => {
    expect(notes(planned('docs: a')).markdown).toBe('v2.0.0\n\n0 changes since v1.0.0.\n\nNo notable changes.\n');
  });

  it('has no line that `git tag --cleanup=strip` would drop as a comment', () => {
    const { markdown } = notes(planned('feat: a (#1)', 'fix: b (#2)', 'feat!: c (#3)', 'perf: d (#4)'));
    expect(markdown.split('\n').filter((text) => text.startsWith('#'))).toEqual([]);
  });

  it('is markdown with a heading per section and a PR link per entry', () => {
    const { markdown } = notes(planned('feat: a (#1)', 'fix: b (#2)', 'fix: c (#3)'));
    const tree = fromMarkdown(markdown);
    const headings = tree.children.filter((node): node is Heading => node.type === 'heading');
    expect(headings.map((node) => [node.depth, mdToString(node)])).toEqual([
      [2, 'Features'],
      [2, 'Fixes'],
    ]);
    const lists = tree.children.filter((node): node is List => node.type === 'list');
    const links = lists.flatMap((list) =>
      list.children.flatMap((item) =>
        item.children.flatMap((p) => ('children' in p ? p.children.filter((c): c is Link => c.type === 'link') : [])),
      ),
    );
    expect(links.map((link) => link.url)).toEqual([prUrl(1), prUrl(2), prUrl(3)]);
  });
});
