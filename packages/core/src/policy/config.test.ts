import { describe, expect, it } from 'vitest';
import {
  CONVENTIONAL_TYPES,
  type ConfigIssue,
  configJsonSchema,
  DEFAULT_FLAG_PATTERNS,
  DEFAULT_LOCK_FILES,
  defaultConfig,
  parseConfig,
} from './config.js';
import { RULE_IDS } from './types.js';

function issuesOf(document: unknown): ConfigIssue[] {
  const result = parseConfig(document);
  if (result.ok) throw new Error(`expected ${JSON.stringify(document)} to be rejected`);
  return result.issues;
}

describe('defaultConfig', () => {
  const config = defaultConfig();

  it('has the documented top-level defaults', () => {
    expect(config.trunk).toBe('main');
    expect(config.timezone).toBe('UTC');
    expect(Object.keys(config.rules).sort()).toEqual([...RULE_IDS].sort());
  });

  it.each([
    { id: 'pr-size', expected: { enabled: true, warnAbove: 200, failAbove: 400 } },
    { id: 'daily-pr-limit', expected: { enabled: true, max: 1 } },
    { id: 'branch-age', expected: { enabled: true, warnAfterDays: 1, failAfterDays: 2 } },
    { id: 'feature-flag', expected: { enabled: true, registry: 'flags.json', types: ['feat'] } },
    { id: 'user-flow-checklist', expected: { enabled: true, heading: 'User flows tested' } },
    { id: 'coverage', expected: { enabled: true, threshold: 0, reports: [] } },
    { id: 'title-format', expected: { enabled: true } },
    { id: 'linked-task', expected: { enabled: true, pattern: '[A-Z][A-Z0-9]+-\\d+' } },
  ] as const)('$id has its documented defaults', ({ id, expected }) => {
    expect(config.rules[id]).toMatchObject(expected);
  });

  it('ignores lock files and snapshots, and finds the documented flag references, by default', () => {
    const prSize = config.rules['pr-size'];
    expect(prSize.lockFiles).toEqual(expect.arrayContaining(['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml']));
    expect(prSize.lockFiles).toEqual([...DEFAULT_LOCK_FILES]);
    expect(prSize.exclude).toEqual(['**/__snapshots__/**', '**/*.snap']);
    expect(config.rules['feature-flag'].patterns).toEqual([...DEFAULT_FLAG_PATTERNS]);
    expect(config.rules['title-format'].types).toEqual([...CONVENTIONAL_TYPES]);
  });

  // Checked by identity, not by mutating: a shared default would leak one caller's change (say a
  // CLI pushing --coverage reports into rules.coverage.reports) into every later config.
  it('gives fresh rule settings and lists on each call', () => {
    const [first, second] = [defaultConfig(), defaultConfig()];
    expect(first).toEqual(second);
    const shared = RULE_IDS.filter((id) => first.rules[id] === second.rules[id]);
    expect(shared, 'rule settings objects shared between two defaultConfig() calls').toEqual([]);
    expect(first.rules['pr-size'].lockFiles).not.toBe(second.rules['pr-size'].lockFiles);
    expect(first.rules.coverage.reports).not.toBe(second.rules.coverage.reports);
  });
});

describe('parseConfig', () => {
  it.each([
    { name: 'undefined', document: undefined },
    { name: 'null (an empty YAML file)', document: null },
    { name: 'an empty object', document: {} },
    { name: 'empty rules', document: { rules: {} } },
  ])('accepts $name as the defaults', ({ document }) => {
    expect(parseConfig(document)).toEqual({ ok: true, config: defaultConfig() });
  });

  it('merges a partial rule over its defaults', () => {
    const result = parseConfig({
      trunk: 'develop',
      timezone: 'America/Sao_Paulo',
      rules: { 'pr-size': { warnAbove: 100 }, 'branch-age': { enabled: false } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.trunk).toBe('develop');
    expect(result.config.timezone).toBe('America/Sao_Paulo');
    expect(result.config.rules['pr-size']).toMatchObject({ warnAbove: 100, failAbove: 400, enabled: true });
    expect(result.config.rules['branch-age']).toMatchObject({ enabled: false, warnAfterDays: 1 });
    expect(result.config.rules['daily-pr-limit']).toEqual(defaultConfig().rules['daily-pr-limit']);
  });

  it('names an unknown rule id and lists the known ones', () => {
    const issues = issuesOf({ rules: { 'pr-sise': { warnAbove: 10 } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('rules.pr-sise');
    expect(issues[0]?.message).toContain('unknown rule id "pr-sise"');
    for (const id of RULE_IDS) expect(issues[0]?.message).toContain(id);
  });

  it.each([
    { document: { trunkk: 'main' }, path: 'trunkk' },
    { document: { rules: { 'pr-size': { wranAbove: 1 } } }, path: 'rules.pr-size.wranAbove' },
    { document: { rules: { coverage: { treshold: 1 } } }, path: 'rules.coverage.treshold' },
  ])('names the unknown key $path', ({ document, path }) => {
    const issues = issuesOf(document);
    expect(issues).toEqual([{ path, message: expect.stringContaining('unknown key') }]);
  });

  it.each([
    {
      name: 'a string for a number',
      document: { rules: { 'pr-size': { failAbove: 'x' } } },
      path: 'rules.pr-size.failAbove',
    },
    {
      name: 'a negative limit',
      document: { rules: { 'pr-size': { warnAbove: -1 } } },
      path: 'rules.pr-size.warnAbove',
    },
    {
      name: 'a fractional line count',
      document: { rules: { 'pr-size': { warnAbove: 1.5 } } },
      path: 'rules.pr-size.warnAbove',
    },
    {
      name: 'failAbove below warnAbove',
      document: { rules: { 'pr-size': { warnAbove: 300, failAbove: 100 } } },
      path: 'rules.pr-size.failAbove',
    },
    {
      name: 'failAbove below the default warnAbove',
      document: { rules: { 'pr-size': { failAbove: 150 } } },
      path: 'rules.pr-size.failAbove',
    },
    {
      name: 'failAfterDays below warnAfterDays',
      document: { rules: { 'branch-age': { warnAfterDays: 3, failAfterDays: 2 } } },
      path: 'rules.branch-age.failAfterDays',
    },
    {
      name: 'a zero daily limit',
      document: { rules: { 'daily-pr-limit': { max: 0 } } },
      path: 'rules.daily-pr-limit.max',
    },
    {
      name: 'a string for a boolean',
      document: { rules: { coverage: { enabled: 'no' } } },
      path: 'rules.coverage.enabled',
    },
    {
      name: 'an invalid task pattern',
      document: { rules: { 'linked-task': { pattern: '[A-Z' } } },
      path: 'rules.linked-task.pattern',
    },
    {
      name: 'an invalid flag pattern',
      document: { rules: { 'feature-flag': { patterns: ['ok', '(?<flag>x'] } } },
      path: 'rules.feature-flag.patterns.1',
    },
    {
      name: 'an empty heading',
      document: { rules: { 'user-flow-checklist': { heading: '' } } },
      path: 'rules.user-flow-checklist.heading',
    },
    { name: 'an unknown time zone', document: { timezone: 'Mars/Olympus_Mons' }, path: 'timezone' },
    { name: 'an empty trunk', document: { trunk: '' }, path: 'trunk' },
    { name: 'rules as a list', document: { rules: ['pr-size'] }, path: 'rules' },
    { name: 'a non-object document', document: 'pr-size: 3', path: '(root)' },
  ])('rejects $name at $path, saying what to write', ({ document, path }) => {
    const issues = issuesOf(document);
    expect(issues.map((issue) => issue.path)).toContain(path);
    // Every message shows a value to write, an example or the way to fix it; none is zod's own words.
    for (const issue of issues) {
      expect(issue.message).toMatch(/write `|e\.g\.|such as|backslash/);
      expect(issue.message).not.toMatch(/Invalid input|Too small|received/);
    }
  });

  it.each([
    {
      document: { rules: { 'pr-size': null } },
      issue: {
        path: 'rules.pr-size',
        message: 'is empty; write `pr-size: { warnAbove: 200, failAbove: 400 }` or remove the key',
      },
    },
    {
      document: { rules: { 'pr-size': { failAbove: 'lots' } } },
      issue: {
        path: 'rules.pr-size.failAbove',
        message: 'expected a number, got the text "lots"; write `failAbove: 400`',
      },
    },
    {
      document: { rules: { 'pr-size': { warnAbove: 1.5 } } },
      issue: {
        path: 'rules.pr-size.warnAbove',
        message: 'expected a whole number, got the number 1.5; write `warnAbove: 200`',
      },
    },
    {
      document: { rules: { 'daily-pr-limit': { max: 0 } } },
      issue: { path: 'rules.daily-pr-limit.max', message: 'is 0, but must be above 0; write `max: 1`' },
    },
    {
      document: { timezone: null },
      issue: { path: 'timezone', message: 'is empty; write `timezone: UTC` or remove the key' },
    },
    {
      document: { rules: { 'linked-task': { pattern: null } } },
      issue: {
        path: 'rules.linked-task.pattern',
        message: "is empty; write `pattern: '[A-Z][A-Z0-9]+-\\d+'` or remove the key",
      },
    },
    {
      document: { rules: { coverage: { enabled: 'no' } } },
      issue: {
        path: 'rules.coverage.enabled',
        message: 'expected true or false, got the text "no"; write `enabled: true` or `enabled: false`',
      },
    },
    {
      document: { rules: { 'pr-size': { warnAbove: 300, failAbove: 100 } } },
      issue: {
        path: 'rules.pr-size.failAbove',
        message:
          'failAbove (100) is below warnAbove (300): raise failAbove or lower warnAbove, e.g. `pr-size: { warnAbove: 200, failAbove: 400 }`',
      },
    },
    {
      document: { rules: { 'pr-size': { wranAbove: 1 } } },
      issue: {
        path: 'rules.pr-size.wranAbove',
        message:
          'unknown key "wranAbove": remove it or check its spelling (known keys: enabled, warnAbove, failAbove, lockFiles, exclude)',
      },
    },
  ])('explains $issue.path with the key and what to write', ({ document, issue }) => {
    expect(issuesOf(document)).toEqual([issue]);
  });

  it('explains a bad regular expression and how to fix it', () => {
    const [issue] = issuesOf({ rules: { 'linked-task': { pattern: '(TF-\\d+' } } });
    expect(issue?.message).toContain('not a valid regular expression');
    expect(issue?.message).toContain('backslash');
  });

  it('explains an unknown time zone with an example', () => {
    const [issue] = issuesOf({ timezone: 'CEST+2' });
    expect(issue).toEqual({ path: 'timezone', message: expect.stringContaining('unknown time zone "CEST+2"') });
    expect(issue?.message).toContain('Europe/Berlin');
  });

  it('reports every problem, not only the first', () => {
    const issues = issuesOf({
      trunkk: 'x',
      timezone: 'Nowhere/Land',
      rules: { 'pr-size': { failAbove: 'x' }, foo: {} },
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['rules.foo', 'rules.pr-size.failAbove', 'timezone', 'trunkk'].sort(),
    );
  });
});

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as {
    type?: string;
    additionalProperties?: unknown;
    properties: {
      trunk: { default?: unknown };
      rules: { properties: Record<string, { properties: Record<string, { default?: unknown }> }> };
    };
  };

  it('describes every rule and its settings with their defaults', () => {
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual([...RULE_IDS].sort());
    const prSize = schema.properties.rules.properties['pr-size'];
    expect(prSize?.properties.warnAbove?.default).toBe(200);
    expect(prSize?.properties.failAbove?.default).toBe(400);
    expect(schema.properties.trunk.default).toBe('main');
  });

  it('rejects unknown keys, as parseConfig does', () => {
    expect(schema.additionalProperties).toBe(false);
  });
});
