// Parses `git diff --numstat -z` and zero-context patches into change facts.
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

/** Parses `git diff -U0 --no-color` output into the added and removed lines of each file. */
export function parseZeroContextPatch(output: string): FilePatch[] {
  const patches: FilePatch[] = [];
  let current: FilePatch | null = null;
  let oldPath: string | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  for (const line of output.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith('+') && newLeft > 0 && current) {
        current.added.push({ line: newLine++, text: line.slice(1) });
        newLeft--;
        continue;
      }
      if (line.startsWith('-') && oldLeft > 0 && current) {
        current.removed.push(line.slice(1));
        oldLeft--;
        continue;
      }
      if (line.startsWith('\\')) continue;
      oldLeft = 0;
      newLeft = 0;
    }
    if (line.startsWith('diff --git ')) {
      current = null;
      oldPath = null;
    } else if (line.startsWith('--- ')) {
      oldPath = pathAfterPrefix(line, 'a/');
    } else if (line.startsWith('+++ ')) {
      const path = pathAfterPrefix(line, 'b/') ?? oldPath;
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
  return patches;
}
