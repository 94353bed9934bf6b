// A structural rule: no source file of a feature grows past 500 lines, so no feature hides a god object again.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 500;
const features = resolve(dirname(fileURLToPath(import.meta.url)), '../src/features');

/** Every TypeScript source file under `dir`; tests are not source and may be longer. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('feature source files', () => {
  it(`are at most ${MAX_LINES} lines each`, async () => {
    const files = await sourceFiles(features);
    // The folder is read for real: an empty list would make the rule pass without checking anything.
    expect(files.length).toBeGreaterThan(10);
    const tooLong: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n').length - 1;
      if (lines > MAX_LINES) tooLong.push(`${relative(features, file)}: ${lines} lines (split it into services)`);
    }
    expect(tooLong).toEqual([]);
  });
});
