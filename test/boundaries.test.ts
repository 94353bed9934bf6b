// The import boundaries (.dependency-cruiser.cjs) hold on this tree, and each rule fails on a violation.
//
// The violations are written into a temporary tree laid out like this repository's packages, and the
// same dependency-cruiser CLI and config that `npm run lint` uses are run over it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(repoRoot, '.dependency-cruiser.cjs');
const trees: string[] = [];

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Runs the boundaries check in `cwd` over its `packages/` folder, as `npm run lint` does, and reads its report. */
function cruise(cwd: string): { code: number | null; violations: Violation[] } {
  const result = spawnSync(process.execPath, [cli, '--config', config, 'packages'], { cwd, encoding: 'utf8' });
  if (!/dependencies cruised/.test(result.stdout)) throw new Error(`dependency-cruiser did not run: ${result.stderr}`);
  const violations = [...result.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map(([, rule, from, to]) => ({
    rule: rule ?? '',
    from: from ?? '',
    to: to ?? '',
  }));
  return { code: result.status, violations };
}

/** A tree with these files (paths under the tree's root), each a small TypeScript module. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trunkflow-boundaries-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterAll(() => {
  for (const root of trees) rmSync(root, { recursive: true, force: true });
});

const F = 'packages/server/src/features';
const P = 'packages/server/src/platform';

describe('import boundaries', () => {
  it('hold on this repository', () => {
    const result = cruise(repoRoot);
    expect(result.violations).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('fail on each kind of violation, naming the rule and both files', () => {
    const root = tree({
      'node_modules/@trunkflow/git/package.json': '{"name":"@trunkflow/git","type":"module","main":"index.js"}',
      'node_modules/@trunkflow/git/index.js': 'export const ZERO_SHA = "0";\n',
      'packages/git/src/refs.ts': 'export const x = 1;\n',
      'packages/core/src/pure.ts': 'export const pure = 1;\n',
      'packages/core/src/by-name.ts': "import { ZERO_SHA } from '@trunkflow/git';\nexport const a = ZERO_SHA;\n",
      'packages/core/src/by-path.ts': "import { x } from '../../git/src/refs.js';\nexport const b = x;\n",
      [`${P}/http/app.ts`]: "import type { Role } from '../../features/auth/roles.js';\nexport type R = Role;\n",
      [`${F}/auth/roles.ts`]: "export type Role = 'admin';\n",
      [`${F}/pulls/store.ts`]: 'export interface PullStore { a: number }\n',
      [`${F}/pulls/store-sql.ts`]:
        "import type { PullStore } from './store.js';\nexport const s: PullStore = { a: 1 };\n",
      [`${F}/git/service.ts`]: "import { s } from '../pulls/store-sql.js';\nexport const g = s;\n",
      [`${F}/git/deep/hook.ts`]: "import type { PullStore } from '../../pulls/store.js';\nexport type H = PullStore;\n",
    });
    const result = cruise(root);
    expect(result.code).not.toBe(0);
    expect(result.violations).toEqual(
      expect.arrayContaining([
        {
          rule: 'core-imports-nothing-of-ours',
          from: 'packages/core/src/by-name.ts',
          to: 'node_modules/@trunkflow/git/index.js',
        },
        { rule: 'core-imports-nothing-of-ours', from: 'packages/core/src/by-path.ts', to: 'packages/git/src/refs.ts' },
        { rule: 'platform-imports-no-feature', from: `${P}/http/app.ts`, to: `${F}/auth/roles.ts` },
        { rule: 'no-feature-reads-another-features-store', from: `${F}/git/service.ts`, to: `${F}/pulls/store-sql.ts` },
        { rule: 'no-feature-reads-another-features-store', from: `${F}/git/deep/hook.ts`, to: `${F}/pulls/store.ts` },
      ]),
    );
    expect(result.violations).toHaveLength(5);
  });

  it('allow what the rules allow: npm packages in core, platform in features, a feature its own store, another feature its service', () => {
    const root = tree({
      'node_modules/zod/package.json': '{"name":"zod","type":"module","main":"index.js"}',
      'node_modules/zod/index.js': 'export const z = 1;\n',
      'packages/core/src/a.ts': "import { z } from 'zod';\nimport { b } from './b.js';\nexport const a = z + b;\n",
      'packages/core/src/b.ts': 'export const b = 1;\n',
      [`${P}/errors.ts`]: 'export class E extends Error {}\n',
      [`${P}/http/app.ts`]: "import { E } from '../errors.js';\nexport const e = E;\n",
      [`${F}/pulls/store.ts`]: 'export interface PullStore { a: number }\n',
      [`${F}/pulls/store-sql.ts`]:
        "import type { PullStore } from './store.js';\nexport const s: PullStore = { a: 1 };\n",
      [`${F}/pulls/service.ts`]:
        "import { E } from '../../platform/errors.js';\nimport { s } from './store-sql.js';\nexport const p = [E, s];\n",
      [`${F}/git/service.ts`]: "import { p } from '../pulls/service.js';\nexport const g = p;\n",
    });
    const result = cruise(root);
    expect(result.violations).toEqual([]);
    expect(result.code).toBe(0);
  });
});
