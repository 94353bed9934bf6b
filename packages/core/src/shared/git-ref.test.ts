import { describe, expect, it } from 'vitest';
import { checkRefFormat } from './git-ref.js';

describe('checkRefFormat', () => {
  it.each(['main', 'feature/TF-12-export', 'release/1.2', 'a_b', 'UPPER/lower-9'])('accepts %s', (name) => {
    expect(checkRefFormat(name)).toBeNull();
  });

  it.each([
    ['', 'is empty'],
    ['x y', 'contains a space'],
    ['a..b', 'contains ".."'],
    ['-x', 'starts with "-"'],
    ['a~1', 'contains "~"'],
    ['a^', 'contains "^"'],
    ['a:b', 'contains ":"'],
    ['a?', 'contains "?"'],
    ['a*', 'contains "*"'],
    ['a[b', 'contains "["'],
    ['a\\b', 'contains "\\"'],
    ['a\tb', 'control character'],
    ['a@{1}', 'contains "@{"'],
    ['@', 'reserves'],
    ['a//b', 'empty path component'],
    ['a/', 'empty path component'],
    ['/a', 'empty path component'],
    ['a.', 'ends with "."'],
    ['a/.hidden', 'starting with "."'],
    ['a/b.lock', 'ending with ".lock"'],
    ['HEAD', 'is "HEAD", which git reads as the current commit'],
  ])('rejects %j: %s', (name, problem) => {
    const message = checkRefFormat(name);
    expect(message).toContain(problem);
    expect(message).toContain('feature/TF-12-export');
  });

  it.each([
    ['refs/heads/main', '"main"'],
    ['refs/tags/v1', '"tags/v1"'],
  ])('rejects the full ref %j and names the short one (%s)', (name, short) => {
    const message = checkRefFormat(name);
    expect(message).toContain('starts with "refs/": give the short name');
    expect(message).toContain(short);
  });

  it.each(['HEADS', 'head', 'feature/HEAD', 'my-refs/x'])('still accepts %j', (name) => {
    expect(checkRefFormat(name)).toBeNull();
  });
});
