import { describe, expect, it } from 'vitest';
import { defaultConfig, type RuleConfig } from '../config.js';
import type { FilePatch } from '../types.js';
import { featureFlag } from './feature-flag.js';

const REGISTRY = JSON.stringify({
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'dark-mode': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'x-y': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
  },
});

function added(path: string, ...lines: string[]): FilePatch {
  return { path, added: lines.map((text, i) => ({ line: i + 1, text })), removed: [] };
}

function removed(path: string, ...lines: string[]): FilePatch {
  return { path, added: [], removed: lines };
}

function run(
  title: string,
  patches: FilePatch[],
  options: { registry?: string | null; config?: Partial<RuleConfig<'feature-flag'>> } = {},
) {
  return featureFlag.evaluate(
    {
      now: '2026-03-10T12:00:00Z',
      pr: { title, body: null, branch: 'feature/TF-4', author: null },
      patches,
      flagRegistry: { path: 'flags.json', content: options.registry === undefined ? REGISTRY : options.registry },
    },
    { ...defaultConfig().rules['feature-flag'], ...options.config },
    { timezone: 'UTC', trunk: 'main' },
  );
}

describe('feature-flag rule', () => {
  it('declares the facts it reads', () => {
    expect(featureFlag.id).toBe('feature-flag');
    expect([...featureFlag.needs].sort()).toEqual(['flagRegistry', 'patches']);
  });

  it.each([
    'fix: handle empty cart',
    'chore(deps): bump zod',
    'docs: explain flags',
    'add checkout page',
    // An empty or blank title is not a feat either; it must not throw out of the rule.
    '',
    '   ',
  ])('skips a PR titled %j, which is not a feat', (title) => {
    const outcome = run(title, [added('src/a.ts', "useFeatureFlag('undeclared')")]);
    expect(outcome.status).toBe('skip');
    expect(outcome.message.trim()).not.toBe('');
    expect(outcome.message).toContain('feat');
  });

  it.each([
    { title: 'feat: new checkout' },
    { title: 'feat(cart): new checkout' },
    { title: 'feat!: new checkout' },
    { title: 'feat(cart)!: new checkout' },
    { title: 'Feat: capitalised type' },
  ])('treats "$title" as a feat', ({ title }) => {
    expect(run(title, []).status).toBe('fail');
    expect(run(title, [added('src/a.ts', "useFeatureFlag('new-checkout')")]).status).toBe('pass');
  });

  it('fails a feat with no flag reference, telling how to add one', () => {
    const outcome = run('feat: new checkout', [added('src/a.ts', 'export const total = 1;')]);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('useFeatureFlag');
    expect(outcome.message).toContain('flags.json');
  });

  it.each([
    { name: 'a React hook', line: "const on = useFeatureFlag('new-checkout');", flag: 'new-checkout' },
    { name: 'a hook with double quotes and spaces', line: 'useFeatureFlag( "dark-mode" )', flag: 'dark-mode' },
    { name: 'a component', line: '<FeatureFlag name="x-y">', flag: 'x-y' },
    { name: 'a component with a braced string', line: "<FeatureFlag fallback={null} name={'x-y'}>", flag: 'x-y' },
    { name: 'OpenFeature', line: "await client.getBooleanValue('dark-mode', false)", flag: 'dark-mode' },
    { name: 'OpenFeature details', line: 'client.getStringDetails(`new-checkout`, "a")', flag: 'new-checkout' },
    { name: 'an environment variable', line: 'if (process.env.FEATURE_DARK_MODE) {', flag: 'dark-mode' },
    { name: 'a multi-word environment variable', line: 'FEATURE_NEW_CHECKOUT=1', flag: 'new-checkout' },
  ])('finds $name → $flag', ({ line, flag }) => {
    const outcome = run('feat: x', [added('src/a.tsx', line)]);
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.flags).toEqual([flag]);
    expect(outcome.message).toContain(flag);
  });

  it('counts a reference on a removed line as touching the flag', () => {
    const outcome = run('feat: retire old path', [removed('src/a.ts', "if (useFeatureFlag('dark-mode')) {")]);
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.flags).toEqual(['dark-mode']);
  });

  it('fails an undeclared flag and names it', () => {
    const outcome = run('feat: x', [
      added('src/a.ts', "useFeatureFlag('new-checkout')", "useFeatureFlag('ghost-flag')"),
    ]);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('ghost-flag');
    expect(outcome.message).not.toContain('new-checkout,');
    expect(outcome.details).toMatchObject({ flags: ['ghost-flag', 'new-checkout'], undeclared: ['ghost-flag'] });
  });

  it.each([{ flag: 'newCheckout' }, { flag: 'new_checkout' }, { flag: 'New-Checkout' }, { flag: 'new--checkout' }])(
    'fails $flag, which is not kebab-case, even when declared',
    ({ flag }) => {
      const registry = JSON.stringify({ flags: { [flag]: {} } });
      const outcome = run('feat: x', [added('src/a.ts', `useFeatureFlag('${flag}')`)], { registry });
      expect(outcome.status).toBe('fail');
      expect(outcome.message).toContain('kebab-case');
      expect(outcome.message).toContain(flag);
      expect(outcome.details?.notKebabCase).toEqual([flag]);
    },
  );

  it.each([
    {
      name: 'missing',
      registry: null,
      expected: /does not exist: run `trunkflow init` to write an example, or create it/,
    },
    { name: 'not valid JSON', registry: '{ "flags": ', expected: /not valid JSON/ },
    { name: 'without "flags"', registry: '{ "flag": {} }', expected: /"flags"/ },
    { name: 'a JSON array', registry: '[]', expected: /"flags"/ },
    { name: '"flags" as an array', registry: '{ "flags": ["new-checkout"] }', expected: /"flags" must be an object/ },
    { name: 'null', registry: 'null', expected: /"flags"/ },
  ])('fails when the registry is $name', ({ registry, expected }) => {
    const outcome = run('feat: x', [added('src/a.ts', "useFeatureFlag('new-checkout')")], { registry });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(expected);
    expect(outcome.message).toContain('flags.json');
  });

  it('names the flags to declare when the registry is missing', () => {
    const outcome = run('feat: x', [added('src/a.ts', "useFeatureFlag('new-checkout')")], { registry: null });
    expect(outcome.message).toContain('declare new-checkout');
  });

  it('reports every problem at once', () => {
    const outcome = run('feat: x', [added('src/a.ts', "useFeatureFlag('newCheckout')")], { registry: null });
    expect(outcome.message).toContain('kebab-case');
    expect(outcome.message).toContain('does not exist');
  });

  it('uses a custom pattern with a named group `flag` from the config', () => {
    const config = { patterns: ['isEnabled\\(\\s*"(?<flag>[^"]+)"'] };
    const patch = added('src/a.ts', 'if (flags.isEnabled("dark-mode")) {', "useFeatureFlag('ghost')");
    const outcome = run('feat: x', [patch], { config });
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.flags).toEqual(['dark-mode']);
  });

  it('uses the configured PR types', () => {
    const config = { types: ['feat', 'perf'] };
    expect(run('perf: faster', [], { config }).status).toBe('fail');
    expect(run('feat: new', [], { config }).status).toBe('fail');
    expect(run('fix: bug', [], { config }).status).toBe('skip');
  });

  it('collects references across files and keeps where they were found', () => {
    const outcome = run('feat: x', [
      added('src/a.ts', "useFeatureFlag('new-checkout')"),
      added('src/b.ts', "  getBooleanValue('dark-mode', false)  "),
    ]);
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.references).toEqual([
      { flag: 'new-checkout', path: 'src/a.ts', text: "useFeatureFlag('new-checkout')" },
      { flag: 'dark-mode', path: 'src/b.ts', text: "getBooleanValue('dark-mode', false)" },
    ]);
    expect(outcome.message).toContain('dark-mode, new-checkout');
  });

  it('names the flags file and shows the entry to add when a feat PR references no flag', () => {
    const outcome = run('feat: x', [added('src/a.ts', 'export const x = 1;')]);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      `a feat PR must reference a feature flag: guard the new behaviour with e.g. useFeatureFlag('my-flag'), and declare the flag in flags.json: add it under "flags" in flags.json, e.g. "my-flag": {"state":"DISABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}`,
    );
  });

  it('says to create the flags file, or run trunkflow init, when it is missing', () => {
    const outcome = run('feat: x', [added('src/a.ts', 'export const x = 1;')], { registry: null });
    expect(outcome.message).toContain('flags.json does not exist: run `trunkflow init` to write an example');
  });

  it('shows the entry that declares an undeclared flag, and that entry makes the rule pass', () => {
    const patch = added('src/a.ts', "useFeatureFlag('ghost-flag')");
    const outcome = run('feat: x', [patch]);
    const entry = /e\.g\. (".*)$/.exec(outcome.message)?.[1];
    expect(entry).toBe('"ghost-flag": {"state":"DISABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}');
    const registry = JSON.parse(REGISTRY) as { flags: Record<string, unknown> };
    Object.assign(registry.flags, JSON.parse(`{${entry}}`));
    expect(run('feat: x', [patch], { registry: JSON.stringify(registry) }).status).toBe('pass');
  });
});
