// What each command loads from the esbuild bundle: the API schemas, zod and the YAML parser stay out of commands that do not need them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '..', 'dist', 'bundle');
const files = readdirSync(bundle).filter((name) => name.endsWith('.js'));
const source = (name: string) => readFileSync(join(bundle, name), 'utf8');

/** The chunk whose name starts with `prefix-` (command chunks carry a content hash). */
function chunk(prefix: string): string {
  const found = files.find((name) => name.startsWith(`${prefix}-`));
  if (found === undefined) throw new Error(`no ${prefix} chunk in ${bundle}: run npm run build`);
  return found;
}

/** Every chunk Node loads with `entries`, following static imports only (dynamic ones load on use). */
function staticallyLoaded(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    for (const match of source(name).matchAll(/^\s*(?:import|export)\s[^;]*?from\s*"\.\/([^"]+)"/gm)) {
      if (match[1] !== undefined) queue.push(match[1]);
    }
  }
  return seen;
}

/** Markers: a name only the API package defines, zod's core type name, the YAML parser's error class. */
const holds = {
  api: (name: string) => source(name).includes('userWithTokenSchema'),
  zod: (name: string) => source(name).includes('"$ZodType"'),
  yaml: (name: string) => source(name).includes('YAMLParseError'),
};

const loads = (entries: string[], what: keyof typeof holds) => [...staticallyLoaded(entries)].some(holds[what]);

describe('the CLI bundle', () => {
  it('has each marker in some chunk, so the checks below can fail', () => {
    expect(files.some(holds.api)).toBe(true);
    expect(files.some(holds.zod)).toBe(true);
    expect(files.some(holds.yaml)).toBe(true);
  });

  it('starts every command without zod, the API schemas or the YAML parser', () => {
    expect(loads(['main.js'], 'zod')).toBe(false);
    expect(loads(['main.js'], 'api')).toBe(false);
    expect(loads(['main.js'], 'yaml')).toBe(false);
  });

  it('runs `trunkflow check` without the API schemas, and reads YAML only when there is a trunkflow.yml', () => {
    const check = ['main.js', chunk('check'), chunk('run-check')];
    expect(loads(check, 'api')).toBe(false);
    expect(loads(check, 'yaml')).toBe(false);
  });

  it('loads the API schemas for the client commands', () => {
    expect(loads(['main.js', chunk('pr')], 'api')).toBe(true);
    expect(loads(['main.js', chunk('admin')], 'api')).toBe(true);
    expect(loads(['main.js', chunk('runs')], 'api')).toBe(true);
    expect(loads(['main.js', chunk('envs')], 'api')).toBe(true);
    expect(loads(['main.js', chunk('releases')], 'api')).toBe(true);
    expect(loads(['main.js', chunk('deploy')], 'api')).toBe(true);
  });
});
