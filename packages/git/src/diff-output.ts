// Parses `git diff --numstat -z` and patches into change facts.
import type { ChangedFile, FilePatch } from '@trunkflow/core';

/** Parses `git diff --numstat -z -M` output: renames carry both paths as separate fields. */
export function parseNumstatZ(output: string): ChangedFile[] {
  const fields = output.split('\0');
  const files: ChangedFile[] = [];
  let index = 0;
  while (index < fields.length) {
    const head = fields[index++];
    if (head === undefined || head === '') continue;
    // Paths may hold tabs, so only the first two tabs separate fields.
    const firstTab = head.indexOf('\t');
    const secondTab = head.indexOf('\t', firstTab + 1);
    const addedText = head.slice(0, firstTab);
    const deletedText = head.slice(firstTab + 1, secondTab);
    const inlinePath = head.slice(secondTab + 1);
    const binary = addedText === '-' && deletedText === '-';
    const added = binary ? null : Number(addedText);
    const deleted = binary ? null : Number(deletedText);
    if (inlinePath !== '') {
      files.push({ path: inlinePath, added, deleted, binary });
    } else {
      const previousPath = fields[index++] ?? '';
      const path = fields[index++] ?? '';
      files.push({ path, previousPath, added, deleted, binary });
    }
  }
  return files;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  r: '\r',
  v: '\v',
};

/** Undoes git's C-style quoting of unusual paths ("a\"b", octal UTF-8 bytes). */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = String.fromCodePoint(body.codePointAt(i) ?? 0);
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length - 1;
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(ESCAPES[next] ?? next, 'utf8'));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function pathAfterPrefix(line: string, prefix: string): string | null {
  // git pads paths containing spaces with a trailing tab on ---/+++ lines.
  const rest = line.slice(4).replace(/\t$/, '');
  if (rest === '/dev/null') return null;
  const unquoted = unquoteGitPath(rest);
  return unquoted.startsWith(prefix) ? unquoted.slice(prefix.length) : unquoted;
}

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The path of a `diff --git a/P b/P` line, for sections with no other path line (a binary change,
 * a mode change, an empty new file). Only used when the file was not renamed, so both halves
 * name the same path, which settles where an unquoted path with spaces splits.
 */
function pathOfDiffLine(line: string): string {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    let end = 1;
    while (end < rest.length && rest[end] !== '"') end += rest[end] === '\\' ? 2 : 1;
    const first = unquoteGitPath(rest.slice(0, end + 1));
    return first.startsWith('a/') ? first.slice(2) : first;
  }
  return rest.slice(2, 2 + (rest.length - 5) / 2);
}

interface Section {
  diffLine: string;
  renamedFrom: string | null;
  renamedTo: string | null;
  oldPath: string | null;
  newPath: string | null;
  binary: boolean;
  added: number;
  deleted: number;
}

function changedFileOf(section: Section): ChangedFile {
  const path = section.renamedTo ?? section.newPath ?? section.oldPath ?? pathOfDiffLine(section.diffLine);
  const counts = section.binary
    ? { added: null, deleted: null, binary: true }
    : { added: section.added, deleted: section.deleted, binary: false };
  return section.renamedFrom === null ? { path, ...counts } : { path, previousPath: section.renamedFrom, ...counts };
}

export interface ParsedPatch {
  /**
   * What `git diff --numstat` says of the same diff: every file, with line counts. One exception:
   * a binary file renamed without change reads as 0 added and 0 deleted lines, not as binary,
   * since git prints no "Binary files" line for it (neither way counts toward a PR's size).
   */
  changedFiles: ChangedFile[];
  /** The added and removed lines of each file that has any (not binary files or pure renames). */
  patches: FilePatch[];
}

/**
 * Parses `git diff -U<n> -M --no-color` output into the changed files and their lines, so one git
 * process gives both what `--numstat` and the patch would (take it with n ≥ 1: see `PATCH_ARGS`).
 * Hunk lengths decide where a hunk ends, so content lines that look like headers (`--- x`,
 * `+++y`) count as content.
 */
export function parsePatch(output: string): ParsedPatch {
  const changedFiles: ChangedFile[] = [];
  const patches: FilePatch[] = [];
  let section: Section | null = null;
  let current: FilePatch | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  const finish = () => {
    if (section) changedFiles.push(changedFileOf(section));
  };
  for (const line of output.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith('+') && newLeft > 0 && current && section) {
        current.added.push({ line: newLine++, text: line.slice(1) });
        section.added++;
        newLeft--;
        continue;
      }
      if (line.startsWith('-') && oldLeft > 0 && current && section) {
        current.removed.push(line.slice(1));
        section.deleted++;
        oldLeft--;
        continue;
      }
      if (line.startsWith(' ') && oldLeft > 0 && newLeft > 0) {
        oldLeft--;
        newLeft--;
        newLine++;
        continue;
      }
      if (line.startsWith('\\')) continue;
      oldLeft = 0;
      newLeft = 0;
    }
    if (line.startsWith('diff --git ')) {
      finish();
      section = {
        diffLine: line,
        renamedFrom: null,
        renamedTo: null,
        oldPath: null,
        newPath: null,
        binary: false,
        added: 0,
        deleted: 0,
      };
      current = null;
      continue;
    }
    if (section === null) continue;
    if (line.startsWith('rename from ')) {
      section.renamedFrom = unquoteGitPath(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) {
      section.renamedTo = unquoteGitPath(line.slice('rename to '.length));
    } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      section.binary = true;
    } else if (line.startsWith('--- ')) {
      section.oldPath = pathAfterPrefix(line, 'a/');
    } else if (line.startsWith('+++ ')) {
      section.newPath = pathAfterPrefix(line, 'b/');
      const path = section.newPath ?? section.oldPath;
      if (path !== null) {
        current = { path, added: [], removed: [] };
        patches.push(current);
      }
    } else if (line.startsWith('@@ ')) {
      const match = HUNK_HEADER.exec(line);
      if (match) {
        oldLeft = match[1] === undefined ? 1 : Number(match[1]);
        newLine = Number(match[2]);
        newLeft = match[3] === undefined ? 1 : Number(match[3]);
      }
    }
  }
  finish();
  return { changedFiles, patches };
}
