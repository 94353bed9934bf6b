// Reads one commit message as a Conventional Commit and says which version bump it calls for.
import { CommitParser, type ParserOptions } from 'conventional-commits-parser';

export type Bump = 'major' | 'minor' | 'patch';

export interface CommitClassification {
  /** Lowercased Conventional Commit type, `revert` for git's `Revert "…"` messages, null when not conventional. */
  type: string | null;
  scope: string | null;
  /** The description after `type(scope):`; the whole first line when the message is not conventional. */
  subject: string;
  breaking: boolean;
  bump: Bump | null;
}

const PARSER_OPTIONS: ParserOptions = {
  headerPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?: (.*)$/,
  // The subject must be the third group: the parser turns it into the BREAKING CHANGE note text.
  breakingHeaderPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?!: (.*)$/,
  headerCorrespondence: ['type', 'scope', 'subject'],
  noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
  // git's default revert message; the "This reverts commit" body is optional because a squash-merged
  // revert PR keeps only the title.
  revertPattern: /^Revert\s"(.*)"(?:[\s\S]*?This reverts commit (\w+))?/,
  revertCorrespondence: ['header', 'hash'],
};

const BREAKING_NOTE = /^BREAKING[ -]CHANGE$/i;

export function classifyCommit(message: string): CommitClassification {
  // The parser rejects blank input; a blank title is simply not conventional.
  if (message.trim() === '') return { type: null, scope: null, subject: '', breaking: false, bump: null };
  // A parser keeps per-message state, so each call gets its own to stay re-entrant.
  const parsed = new CommitParser(PARSER_OPTIONS).parse(message);
  const header = parsed.header ?? '';
  const breaking = parsed.notes.some((note) => BREAKING_NOTE.test(note.title));
  const reverted = parsed.revert?.header;

  if (typeof reverted === 'string') {
    return { type: 'revert', scope: null, subject: reverted, breaking, bump: breaking ? 'major' : 'patch' };
  }

  const rawType = parsed.type;
  const type = typeof rawType === 'string' && rawType !== '' ? rawType.toLowerCase() : null;
  const scope = type !== null && typeof parsed.scope === 'string' && parsed.scope !== '' ? parsed.scope : null;
  const subject = type !== null && typeof parsed.subject === 'string' ? parsed.subject : header;
  return { type, scope, subject, breaking, bump: bumpFor(type, breaking) };
}

// A BREAKING CHANGE footer wins even on a non-conventional header: shipping a break as a patch is the costlier mistake.
function bumpFor(type: string | null, breaking: boolean): Bump | null {
  if (breaking) return 'major';
  switch (type) {
    case 'feat':
      return 'minor';
    case 'fix':
    case 'perf':
    case 'revert':
      return 'patch';
    default:
      return null;
  }
}

const BUMP_RANK: Readonly<Record<Bump, number>> = { patch: 1, minor: 2, major: 3 };

/** The larger of two bumps; null means "no release". */
export function maxBump(a: Bump | null, b: Bump | null): Bump | null {
  if (a === null) return b;
  if (b === null) return a;
  return BUMP_RANK[a] >= BUMP_RANK[b] ? a : b;
}
