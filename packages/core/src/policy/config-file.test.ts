import { describe, expect, it } from 'vitest';
import { defaultConfig } from './config.js';
import { configIssueLocation, formatConfigIssue, parseConfigFile } from './config-file.js';

describe('parseConfigFile', () => {
  it('gives the defaults and no issues when there is no file, or an empty one', () => {
    expect(parseConfigFile(null)).toEqual({ config: defaultConfig(), issues: [] });
    expect(parseConfigFile('')).toEqual({ config: defaultConfig(), issues: [] });
    expect(parseConfigFile('# only a comment\n')).toEqual({ config: defaultConfig(), issues: [] });
  });

  it('reads valid settings over the defaults', () => {
    const { config, issues } = parseConfigFile('trunk: develop\nrules:\n  pr-size: { warnAbove: 10, failAbove: 20 }\n');
    expect(issues).toEqual([]);
    expect(config.trunk).toBe('develop');
    expect(config.rules['pr-size']).toMatchObject({ enabled: true, warnAbove: 10, failAbove: 20 });
    expect(config.timezone).toBe(defaultConfig().timezone);
  });

  it('reports YAML that does not parse with its line and column, and keeps the defaults', () => {
    const { config, issues } = parseConfigFile('trunk: main\nrules: [unclosed\n');
    expect(config).toEqual(defaultConfig());
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue).toMatchObject({ kind: 'yaml', path: '(root)', line: expect.any(Number), column: expect.any(Number) });
    expect(issue?.message).toMatch(/^invalid YAML: .+: fix the syntax at that line$/);
    // The position is given once, as fields, not repeated inside the message.
    expect(issue?.message).not.toMatch(/at line \d+/);
    expect(configIssueLocation(issue ?? { kind: 'key', path: '', message: '' })).toMatch(/^:\d+:\d+$/);
  });

  it.each([['- a list\n'], ['just text\n'], ['42\n']])('refuses a document that is not a mapping: %j', (text) => {
    const { config, issues } = parseConfigFile(text);
    expect(config).toEqual(defaultConfig());
    expect(issues).toEqual([
      {
        kind: 'not-a-mapping',
        path: '(root)',
        message:
          'the file must hold a mapping of settings, one `key: value` a line such as `trunk: main` (the keys are trunk, timezone, rules, environments and proxy): `trunkflow init` writes a commented example',
      },
    ]);
  });

  it('lists every bad key with its path and what to write, and keeps the defaults', () => {
    const { config, issues } = parseConfigFile(
      'trunk: ""\nrules:\n  pr-size:\n    failAbove: lots\n  nope: {}\ncolour: red\n',
    );
    expect(config).toEqual(defaultConfig());
    expect(issues.every((issue) => issue.kind === 'key')).toBe(true);
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      'colour',
      'rules.nope',
      'rules.pr-size.failAbove',
      'trunk',
    ]);
    const failAbove = issues.find((issue) => issue.path === 'rules.pr-size.failAbove');
    expect(failAbove?.message).toBe('expected a number, got the text "lots"; write `failAbove: 400`');
    expect(formatConfigIssue(failAbove ?? { kind: 'key', path: '', message: '' })).toBe(
      'rules.pr-size.failAbove: expected a number, got the text "lots"; write `failAbove: 400`',
    );
    expect(issues.find((issue) => issue.path === 'rules.nope')?.message).toMatch(/^unknown rule id "nope"/);
  });

  it('formats a non-key issue as its message, with no path', () => {
    const [issue] = parseConfigFile('[1, 2]\n').issues;
    expect(issue && formatConfigIssue(issue)).toBe(issue?.message);
    expect(issue && configIssueLocation(issue)).toBe('');
  });
});
