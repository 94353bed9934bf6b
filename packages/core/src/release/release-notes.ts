// Release notes from a release plan's commits: breaking changes, features, fixes and other changes, each linked to its PR.
import type { PlannedCommit } from './plan-release.js';

export interface ReleaseNoteCommit extends PlannedCommit {
  /** The PR the commit came from; when absent, read from the squash subject's trailing `(#n)`. */
  pr?: number | null;
}

export interface ReleaseNotesInput {
  /** The tag being created, e.g. `v1.3.0`: the notes' first line. */
  tag: string;
  previousTag: string | null;
  /** `planRelease(...).commits`, in the order to list them. */
  commits: readonly ReleaseNoteCommit[];
  /** Where a PR is shown, e.g. `(n) => \`${base}/pulls/${n}\``. */
  prUrl: (pr: number) => string;
  /** Where a commit with no PR is shown; without it such an entry names its short sha unlinked. */
  commitUrl?: (sha: string) => string;
}

export type ReleaseNoteGroup = 'breaking' | 'features' | 'fixes' | 'other';

export interface ReleaseNoteEntry {
  sha: string;
  type: string | null;
  scope: string | null;
  /** The subject without its `(#n)` suffix. */
  text: string;
  pr: number | null;
  /** The PR's URL, else the commit's, else null. */
  url: string | null;
}

export interface ReleaseNoteSection {
  group: ReleaseNoteGroup;
  title: string;
  entries: ReleaseNoteEntry[];
}

export interface ReleaseNotes {
  title: string;
  /** Only the groups that have entries, in the order breaking, features, fixes, other. */
  sections: ReleaseNoteSection[];
  /** The annotated tag's message. */
  markdown: string;
}

const GROUPS: readonly { group: ReleaseNoteGroup; title: string }[] = [
  { group: 'breaking', title: 'Breaking changes' },
  { group: 'features', title: 'Features' },
  { group: 'fixes', title: 'Fixes' },
  { group: 'other', title: 'Other changes' },
];

// "(#12)" closing a squash subject, as Trunkflow's and GitHub's squash merges write it.
const PR_SUFFIX = /\s*\(#(\d+)\)\s*$/;

/**
 * Groups the commits that make the release:
 * - a breaking commit is listed once, under Breaking changes, whatever its type;
 * - feat under Features, fix under Fixes;
 * - perf and revert, which bump the version too, under Other changes, with their type shown;
 * - commits that call for no release (docs, chore, ci, non-conventional titles) are left out:
 *   they change nothing a user of the release gets.
 *
 * The markdown uses underlined headings, never `#` ones: `git tag -a` strips lines starting
 * with `#` as comments unless told `--cleanup=verbatim`, so these notes survive either way.
 */
export function releaseNotes(input: ReleaseNotesInput): ReleaseNotes {
  const sections = GROUPS.map(({ group, title }) => ({
    group,
    title,
    entries: input.commits.filter((commit) => groupOf(commit) === group).map((commit) => entryOf(commit, input)),
  })).filter((section) => section.entries.length > 0);
  const count = sections.reduce((sum, section) => sum + section.entries.length, 0);
  const changes = count === 1 ? '1 change' : `${count} changes`;
  const summary = input.previousTag === null ? `First release: ${changes}.` : `${changes} since ${input.previousTag}.`;
  const body =
    sections.length === 0
      ? ['No notable changes.']
      : sections.map((section) =>
          [
            section.title,
            '-'.repeat(section.title.length),
            '',
            ...section.entries.map((entry) => line(entry, section.group)),
          ].join('\n'),
        );
  const markdown = `${[input.tag, summary, ...body].join('\n\n')}\n`;
  return { title: input.tag, sections, markdown };
}

function groupOf(commit: PlannedCommit): ReleaseNoteGroup | null {
  if (commit.breaking) return 'breaking';
  switch (commit.type) {
    case 'feat':
      return 'features';
    case 'fix':
      return 'fixes';
    default:
      return commit.bump === null ? null : 'other';
  }
}

function entryOf(commit: ReleaseNoteCommit, input: ReleaseNotesInput): ReleaseNoteEntry {
  const suffix = PR_SUFFIX.exec(commit.subject);
  const text = suffix ? commit.subject.slice(0, suffix.index) : commit.subject;
  const pr = commit.pr ?? (suffix?.[1] === undefined ? null : Number(suffix[1]));
  const url = pr !== null ? input.prUrl(pr) : (input.commitUrl?.(commit.sha) ?? null);
  return { sha: commit.sha, type: commit.type, scope: commit.scope, text, pr, url };
}

function line(entry: ReleaseNoteEntry, group: ReleaseNoteGroup): string {
  // Other changes mix perf and revert, so each says which; elsewhere the heading says it.
  const type = group === 'other' ? `${entry.type}: ` : '';
  const scope = entry.scope === null ? '' : `**${entry.scope}:** `;
  const label = entry.pr === null ? entry.sha.slice(0, 7) : `#${entry.pr}`;
  const link = entry.url === null ? label : `[${label}](${entry.url})`;
  return `- ${type}${scope}${entry.text} (${link})`;
}
