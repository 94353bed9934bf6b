// @ts-check
// Bundles the CLI into a few files with esbuild after `tsc -b`: Node then loads tens of files instead of
// about 500 on every command (see bench/README.md). Each command stays its own chunk, loaded on use.
// packages/cli/test/bundle.test.ts holds what each command loads: no zod or API schemas at startup, no
// YAML parser for `check` until there is a trunkflow.yml.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunk names carry content hashes: start empty so stale chunks from earlier builds never linger.
await rm('packages/cli/dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['packages/cli/src/main.ts'],
  outdir: 'packages/cli/dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // The server (Fastify, database drivers, a native addon) is loaded only by `serve`, from its own package.
  external: ['@trunkflow/server'],
  // CommonJS dependencies call require() for Node built-ins; give ESM chunks one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
