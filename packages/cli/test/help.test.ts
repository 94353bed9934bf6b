// `trunkflow --help` describes the commands that exist, and every command's help runs.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli, TempRepo } from './helpers/temp-repo.js';

let repo: TempRepo;
beforeAll(() => {
  repo = new TempRepo();
});
afterAll(() => repo.remove());

function help(args: string[]) {
  return runCli([...args, '--help'], { cwd: repo.dir });
}

/** The names under "Commands:" in a commander help text. */
function commandsOf(text: string): string[] {
  const section = text.split(/^Commands:\n/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((match) => match[1] as string).filter((name) => name !== 'help');
}

describe('trunkflow --help', () => {
  let root: ReturnType<typeof help>;
  beforeAll(() => {
    root = help([]);
  });

  it('describes only what exists: no flag or metrics command is promised', () => {
    expect(root.status).toBe(0);
    const description = root.stdout.split('\nOptions:')[0] ?? '';
    expect(description).not.toMatch(/metric|flags and/i);
    // Every command the description names is one the CLI has.
    const named = [
      ...description
        .replace(/\s+/g, ' ')
        .matchAll(
          /\btrunkflow (\w+)|(?:then|,|and) (login|project|pr|admin|releases|deploy|rollback|promote|abort)\b/g,
        ),
    ].map((match) => match[1] ?? match[2]);
    expect(named).toEqual(expect.arrayContaining(['releases', 'deploy', 'rollback', 'promote', 'abort']));
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(commandsOf(root.stdout)).toContain(name);
  });

  it('gives every command a help that runs', () => {
    const commands = commandsOf(root.stdout);
    expect(commands).toEqual(
      expect.arrayContaining([
        'check',
        'init',
        'serve',
        'login',
        'project',
        'pr',
        'admin',
        'releases',
        'deploy',
        'rollback',
        'promote',
        'abort',
        'env',
      ]),
    );
    for (const command of commands) {
      const own = help([command]);
      expect(own.status, `${command} --help: ${own.stderr}`).toBe(0);
      expect(own.stdout).toContain(`Usage: trunkflow ${command}`);
    }
  });
});

describe('output into a pipe that closes early', () => {
  it('exits 0 without an EPIPE crash when the reader has gone (trunkflow pr --help | head -1)', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'pr', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    // Like a `head` that has already exited: the pipe is closed before the CLI writes its help.
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
