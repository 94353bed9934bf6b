import { describe, expect, it } from 'vitest';
import { formatJsonPath, parseJsonPath, selectJsonPath } from './json-path.js';

describe('parseJsonPath', () => {
  it.each([
    ['$', []],
    ['$.status', ['status']],
    ['$.checks[0].ok', ['checks', 0, 'ok']],
    ["$['a b'].c", ['a b', 'c']],
    ['$["x.y"][12]', ['x.y', 12]],
    ["$['it\\'s']", ["it's"]],
    ['$._private2', ['_private2']],
  ])('reads %j', (text, path) => {
    expect(parseJsonPath(text)).toEqual({ ok: true, path });
  });

  it.each([
    ['status', 'does not start with $'],
    ['$.', 'is not a supported JSONPath at `.`'],
    ['$..status', 'is not a supported JSONPath at `..status`'],
    ['$[*]', 'is not a supported JSONPath at `[*]`'],
    ['$[?(@.x)]', 'is not a supported JSONPath at `[?(@.x)]`'],
    ['$[-1]', 'is not a supported JSONPath at `[-1]`'],
    ['$[01]', 'is not a supported JSONPath at `[01]`'],
    ["$['open]", "is not a supported JSONPath at `['open]`"],
    ['$.a b', 'is not a supported JSONPath at ` b`'],
  ])('refuses %j: %s', (text, fragment) => {
    const result = parseJsonPath(text);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.message).toContain(fragment);
  });
});

describe('formatJsonPath', () => {
  it.each([
    [[], '$'],
    [['status'], '$.status'],
    [['checks', 0, 'ok'], '$.checks[0].ok'],
    [['a b', "it's", '9x'], "$['a b']['it\\'s']['9x']"],
  ])('writes %j as %j, which reads back the same', (path, text) => {
    expect(formatJsonPath(path)).toBe(text);
    expect(parseJsonPath(text)).toEqual({ ok: true, path });
  });
});

describe('selectJsonPath', () => {
  const doc = { status: 'ok', checks: [{ ok: true }, { ok: false }], nothing: null };

  it.each([
    [[], { found: true, value: doc }],
    [['status'], { found: true, value: 'ok' }],
    [['checks', 1, 'ok'], { found: true, value: false }],
    [['nothing'], { found: true, value: null }],
    [['missing'], { found: false }],
    [['checks', 2], { found: false }],
    [['status', 'length'], { found: false }],
    [['checks', 'length'], { found: false }],
    [['constructor'], { found: false }],
    [['__proto__'], { found: false }],
    [['status', 0], { found: false }],
  ])('at %j gives %j', (path, selection) => {
    expect(selectJsonPath(doc, path)).toEqual(selection);
  });
});
