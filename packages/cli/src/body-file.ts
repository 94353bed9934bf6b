// Reads a PR body from the file named by --body-file, relative to the command's working directory.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.js';

export async function readBodyFile(cwd: string, path: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(
      `--body-file ${path}: cannot read it (${(error as Error).message}): pass a markdown file holding the PR body`,
    );
  }
}
