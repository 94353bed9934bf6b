// Git's rules for branch names (git check-ref-format), as a pure check with a fix in every message.

const FORBIDDEN_PUNCTUATION = new Set(['~', '^', ':', '?', '*', '[', '\\']);

/** The first character git forbids in ref names: control characters, space, DEL and ~^:?*[\. */
function forbiddenCharacter(name: string): string | null {
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f || FORBIDDEN_PUNCTUATION.has(char)) return char;
  }
  return null;
}

/** Returns null for a valid branch name, or what is wrong with it and how to fix it. */
export function checkRefFormat(name: string): string | null {
  const fix = 'use letters, digits, "-", "_", "." and "/" (e.g. feature/TF-12-export)';
  if (name === '') return `is empty: ${fix}`;
  if (name.startsWith('-')) return `starts with "-": ${fix}`;
  if (name === '@') return `is "@", which git reserves: ${fix}`;
  // Both are valid to git, and both mislead it: `HEAD` shadows the current commit in every
  // command, and `refs/heads/main` would become refs/heads/refs/heads/main, not main.
  if (name === 'HEAD') return `is "HEAD", which git reads as the current commit, not a branch: ${fix}`;
  if (name.startsWith('refs/')) {
    return `starts with "refs/": give the short name (e.g. "${name.replace(/^refs\/(heads\/)?/, '')}" for "${name}"), Trunkflow adds refs/heads/`;
  }
  const bad = forbiddenCharacter(name);
  if (bad !== null) {
    const shown = bad === ' ' ? 'a space' : FORBIDDEN_PUNCTUATION.has(bad) ? `"${bad}"` : 'a control character';
    return `contains ${shown}, which git does not allow in ref names: ${fix}`;
  }
  if (name.includes('..')) return `contains "..": ${fix}`;
  if (name.includes('@{')) return `contains "@{": ${fix}`;
  if (name.includes('//') || name.startsWith('/') || name.endsWith('/')) return `has an empty path component: ${fix}`;
  if (name.endsWith('.')) return `ends with ".": ${fix}`;
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return `has a component starting with ".": ${fix}`;
    if (component.endsWith('.lock')) return `has a component ending with ".lock": ${fix}`;
  }
  return null;
}
