import { describe, expect, it } from 'vitest';
import { isHeadTagged, parseVersionTag, versionTagsAt } from './version-tag.js';

describe('parseVersionTag', () => {
  it.each<[name: string, prefix: string | undefined, version: string | null]>([
    ['v1.2.3', undefined, '1.2.3'],
    ['v1.2.3-rc.1', undefined, '1.2.3-rc.1'],
    ['1.2.3', undefined, null],
    ['v1.2', undefined, null],
    ['vnext', undefined, null],
    ['1.2.3', '', '1.2.3'],
    ['v1.2.3', '', null],
    ['app@2.0.0', 'app@', '2.0.0'],
    ['release-1.0.0', 'v', null],
  ])('%s with prefix %j → %s', (name, prefix, version) => {
    expect(parseVersionTag(name, prefix)).toBe(version);
  });
});

describe('isHeadTagged', () => {
  const head = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const other = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

  it.each<[name: string, tags: { name: string; sha: string }[], tagged: boolean]>([
    ['no tags', [], false],
    ['a version tag on HEAD', [{ name: 'v1.0.0', sha: head }], true],
    ['a version tag elsewhere', [{ name: 'v1.0.0', sha: other }], false],
    ['a non-version tag on HEAD', [{ name: 'demo', sha: head }], false],
    ['sha case does not matter', [{ name: 'v1.0.0', sha: head.toUpperCase() }], true],
  ])('%s', (_name, tags, tagged) => {
    expect(isHeadTagged(head, tags)).toBe(tagged);
  });

  it('honours the tag prefix and lists the tags found', () => {
    const tags = [
      { name: 'app@1.0.0', sha: head },
      { name: 'v9.9.9', sha: head },
    ];
    expect(versionTagsAt(head, tags, 'app@')).toEqual(['app@1.0.0']);
    expect(isHeadTagged(head, [{ name: 'v9.9.9', sha: head }], 'app@')).toBe(false);
  });
});
