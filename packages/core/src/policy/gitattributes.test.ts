import { describe, expect, it } from 'vitest';
import { generatedMatcher } from './gitattributes.js';

// Expected answers were taken from `git check-attr linguist-generated` (git 2.39) on the same
// .gitattributes text: "set"/"true" → generated, "unset"/"false"/"unspecified" → not generated.
const ATTRIBUTES = [
  '# a comment line with linguist-generated in it',
  '',
  '*.gen.ts linguist-generated',
  '/dist/** linguist-generated=true',
  'api/*.pb.go   linguist-generated',
  'vendor/** linguist-generated',
  'vendor/keep.js -linguist-generated',
  'legacy.gen.ts linguist-generated=false',
  'schema/*.json linguist-generated',
  'schema/hand.json !linguist-generated',
  '*.md text eol=lf',
  '[attr]gen-macro linguist-generated',
].join('\n');

describe('generatedMatcher', () => {
  const isGenerated = generatedMatcher(ATTRIBUTES);

  it.each([
    // A pattern without a slash matches the base name at any depth.
    { path: 'a.gen.ts', generated: true },
    { path: 'deep/x/a.gen.ts', generated: true },
    // A later `=false` line overrides the earlier `*.gen.ts` line, at any depth too.
    { path: 'legacy.gen.ts', generated: false },
    { path: 'sub/legacy.gen.ts', generated: false },
    // `/dist/**` is anchored at the root.
    { path: 'dist/a.js', generated: true },
    { path: 'dist/x/y.js', generated: true },
    { path: 'sub/dist/a.js', generated: false },
    // A pattern with a slash in the middle is anchored too.
    { path: 'api/x.pb.go', generated: true },
    { path: 'sub/api/x.pb.go', generated: false },
    // `-linguist-generated` on a later line unsets it.
    { path: 'vendor/a.js', generated: true },
    { path: 'vendor/keep.js', generated: false },
    // `!linguist-generated` makes it unspecified again.
    { path: 'schema/out.json', generated: true },
    { path: 'schema/hand.json', generated: false },
    // Lines about other attributes, comments and macro definitions mark nothing.
    { path: 'README.md', generated: false },
    { path: 'other.js', generated: false },
    { path: '.hidden.gen.ts', generated: true },
  ])('$path → generated: $generated', ({ path, generated }) => {
    expect(isGenerated(path)).toBe(generated);
  });

  it.each([
    { name: 'plain attribute', line: 'out.js linguist-generated' },
    { name: '=true', line: 'out.js linguist-generated=true' },
    { name: 'among other attributes', line: 'out.js text -diff linguist-generated' },
    { name: 'CRLF line endings', line: 'x.js text\r\nout.js linguist-generated\r\n' },
    { name: 'indented line', line: '   out.js\tlinguist-generated' },
  ])('marks a file generated with $name', ({ line }) => {
    const matcher = generatedMatcher(line);
    expect(matcher('out.js')).toBe(true);
    expect(matcher('in.js')).toBe(false);
  });

  it.each([
    { name: 'an empty file', text: '' },
    { name: 'only comments', text: '# *.js linguist-generated\n' },
    { name: 'other attributes only', text: '*.js text eol=lf\n*.png binary\n' },
    { name: 'a value other than true/false', text: '*.js linguist-generated=maybe\n' },
  ])('marks nothing for $name', ({ text }) => {
    expect(generatedMatcher(text)('src/a.js')).toBe(false);
  });

  it('lets the last matching line win in either direction', () => {
    const text = [
      '*.js -linguist-generated',
      'build/*.js linguist-generated',
      'build/keep.js linguist-generated=false',
    ];
    const matcher = generatedMatcher(text.join('\n'));
    expect(matcher('build/out.js')).toBe(true);
    expect(matcher('build/keep.js')).toBe(false);
    expect(matcher('src/out.js')).toBe(false);
  });

  // git rejects negative patterns in attributes files ("Negative patterns are ignored in git
  // attributes"), so the line must mark nothing; read as a minimatch negation it would mark
  // every other file generated and so hide a whole PR from pr-size.
  it('ignores a negative pattern, as git does', () => {
    const matcher = generatedMatcher('!negated.js linguist-generated\n');
    expect(matcher('negated.js')).toBe(false);
    expect(matcher('src/app.ts')).toBe(false);
  });
});
