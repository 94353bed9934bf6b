// Reads `linguist-generated` out of a .gitattributes file, with git's matching rules.
import { globMatcher } from './glob.js';

interface GeneratedRule {
  matches: (path: string) => boolean;
  generated: boolean;
}

/**
 * Returns a predicate telling whether a repository path is marked generated.
 * Later lines win, as in git. A pattern without a slash matches a base name at
 * any depth; a pattern with one is anchored at the root.
 */
export function generatedMatcher(gitattributes: string): (path: string) => boolean {
  const rules: GeneratedRule[] = [];
  for (const rawLine of gitattributes.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[attr]')) continue;
    const [pattern, ...attributes] = line.split(/\s+/);
    // git ignores negative patterns in attribute files; minimatch would read them as "all but".
    if (pattern === undefined || pattern.startsWith('!')) continue;
    let generated: boolean | undefined;
    for (const attribute of attributes) {
      if (attribute === 'linguist-generated' || attribute === 'linguist-generated=true') generated = true;
      else if (
        attribute === '-linguist-generated' ||
        attribute === '!linguist-generated' ||
        attribute === 'linguist-generated=false'
      )
        generated = false;
    }
    if (generated === undefined) continue;
    // Any slash, a leading one included, anchors the pattern at the root.
    const anchored = pattern.includes('/');
    const glob = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    rules.push({ matches: globMatcher(glob, { anchored }), generated });
  }
  if (rules.length === 0) return () => false;
  return (path) => {
    let generated = false;
    for (const rule of rules) {
      if (rule.matches(path)) generated = rule.generated;
    }
    return generated;
  };
}
