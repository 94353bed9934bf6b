// Real temporary git repositories and a runner for the built CLI, for integration tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CLI_BIN = resolve(here, '../../bin/trunkflow.js');

export interface Author {
  name: string;
  email: string;
}

export const ALICE: Author = { name: 'Alice', email: 'alice@example.com' };
export const BOB: Author = { name: 'Bob', email: 'bob@example.com' };

export class TempRepo {
  readonly dir: string;
  private readonly home: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'trunkflow-repo-'));
    this.home = mkdtempSync(join(tmpdir(), 'trunkflow-home-'));
    this.git('init', '-q', '-b', 'main');
  }

  get env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: this.home, GIT_CONFIG_NOSYSTEM: '1', LANG: 'C' };
  }

  git(...args: string[]): string {
    const result = spawnSync('git', args, { cwd: this.dir, env: this.env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  write(path: string, content: string | Buffer): void {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  /** Commits everything staged and unstaged as `author` at `date` (ISO). */
  commit(message: string, author: Author, date: string): string {
    this.git('add', '-A');
    const result = spawnSync('git', ['commit', '-q', '--allow-empty', '-m', message], {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...this.env,
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
        GIT_COMMITTER_DATE: date,
      },
    });
    if (result.status !== 0) throw new Error(`commit failed: ${result.stderr}`);
    return this.git('rev-parse', 'HEAD').trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: tmpdir(), ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `count` distinct lines of source text. */
export function lines(count: number, prefix = 'line'): string {
  return Array.from({ length: count }, (_, i) => `export const ${prefix}${i} = ${i};\n`).join('');
}
