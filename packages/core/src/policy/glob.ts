// Path globs compiled once to a regular expression: matching a thousand paths then costs a
// regex test each, not minimatch's segment walk.
import { Minimatch } from 'minimatch';

/**
 * A predicate for a glob over repository paths (dot files included). By default a glob without a
 * slash matches a base name at any depth, as in .gitignore and .gitattributes, and one with a
 * slash is matched against the whole path; `anchored` forces whole-path matching.
 */
export function globMatcher(glob: string, options: { anchored?: boolean } = {}): (path: string) => boolean {
  const minimatch = new Minimatch(glob, { dot: true });
  const regex = minimatch.makeRe();
  // makeRe gives false for a pattern that can match nothing (minimatch's own match says no, too).
  if (regex === false) return () => false;
  if (options.anchored || glob.includes('/')) return (path) => regex.test(path);
  return (path) => regex.test(path.slice(path.lastIndexOf('/') + 1));
}
