// The README as a contract: its quick start and server walkthrough run command by command on a fresh clone.
//
// The commands come from README.md itself, so this test fails when the README and the product
// disagree, and must change when the README does. It clones the working tree (committed or not),
// runs `npm install` and `npm start` there with the default data directory `.trunkflow/`, then
// drives the walkthrough with the real git client. Only the port differs, through PORT.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Step {
  /** The command exactly as the README prints it, comment removed. */
  run: string;
  /** Exit code the README promises; 0 unless it says otherwise. */
  exit?: number;
  /** Placeholders this command's output fills, for later commands. */
  capture?: Record<string, RegExp>;
  check?: (result: Result, state: State) => void;
}

interface State {
  cwd: string;
  env: NodeJS.ProcessEnv;
  values: Map<string, string>;
}

/** The `sh` code blocks under a heading, each line a command with its trailing comment removed. */
function commandsUnder(heading: string): string[] {
  const tree = fromMarkdown(readme);
  const commands: string[] = [];
  let depth = 0;
  for (const node of tree.children) {
    if (node.type === 'heading') {
      const text = node.children.map((child) => ('value' in child ? child.value : '')).join('');
      if (depth > 0 && node.depth <= depth) break;
      if (text.startsWith(heading)) depth = node.depth;
      continue;
    }
    if (depth === 0 || node.type !== 'code' || node.lang !== 'sh') continue;
    for (const line of node.value.split('\n')) {
      const command = stripComment(line).trim();
      if (command !== '') commands.push(command);
    }
  }
  return commands;
}

/** Drops a ` # comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return line.slice(0, i);
  }
  return line;
}

const TOKEN = /\btf_[A-Za-z0-9_-]{20,}/;

function run(command: string, state: State, timeoutMs = 120_000): Promise<Result> {
  return new Promise((done, fail) => {
    // The README's commands are shell commands for the reader's shell, so bash runs them.
    const child = spawn('bash', ['-c', command], { cwd: state.cwd, env: state.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Waits for `npm start` to print where it listens and the first admin token. */
function waitForStart(server: ChildProcess, output: { text: string }): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start did not come up:\n${output.text}`)), 120_000);
    const look = () => {
      if (/listening on/i.test(output.text) && TOKEN.test(output.text)) {
        clearTimeout(timer);
        done();
      }
    };
    server.stdout?.on('data', (chunk: Buffer) => {
      output.text += chunk;
      look();
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk;
    });
    server.once('exit', (code) => fail(new Error(`npm start exited with ${code}:\n${output.text}`)));
  });
}

/** The checkout as a fresh clone would have it, with the working tree's uncommitted changes committed on top. */
function cloneWorkingTree(into: string): void {
  const clone = spawnSyncChecked('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, into], repoRoot);
  expect(clone).toBe(0);
  const changed = spawnSyncOutput('git', ['ls-files', '--modified', '--others', '--exclude-standard', '-z'], repoRoot);
  for (const file of changed.split('\0').filter(Boolean)) {
    const from = join(repoRoot, file);
    if (existsSync(from)) {
      mkdirSync(dirname(join(into, file)), { recursive: true });
      cpSync(from, join(into, file));
    } else rmSync(join(into, file), { force: true });
  }
  const deleted = spawnSyncOutput('git', ['ls-files', '--deleted', '-z'], repoRoot);
  for (const file of deleted.split('\0').filter(Boolean)) rmSync(join(into, file), { force: true });
  // Committed in the clone, so `git status` there starts clean, as on a clone of a pushed tree.
  const identity = ['-c', 'user.name=README test', '-c', 'user.email=readme@example.com'];
  spawnSync('git', ['add', '-A'], { cwd: into });
  spawnSync('git', [...identity, 'commit', '--quiet', '--allow-empty', '-m', 'working tree'], { cwd: into });
}

function spawnSyncChecked(command: string, args: string[], cwd: string): number | null {
  return spawnSync(command, args, { cwd, stdio: 'ignore' }).status;
}

function spawnSyncOutput(command: string, args: string[], cwd: string): string {
  return spawnSync(command, args, { cwd, encoding: 'utf8' }).stdout;
}

/**
 * A new user's environment: their own stored login, git identity and npm global prefix, and nothing
 * from the test runner's npm. HOME stays, so npm keeps this machine's settings (its registry,
 * where Node's headers are) as a user's own npm would.
 */
function newUserEnv(work: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|TRUNKFLOW_|DATABASE_URL$|XDG_CONFIG_HOME$|GIT_|VITEST|NODE_ENV$|PORT$)/i.test(key)) continue;
    env[key] = value;
  }
  const gitconfig = join(work, 'gitconfig');
  // The admin's own git identity, as any developer's machine has one.
  writeFileSync(gitconfig, '[user]\n\tname = Ada Admin\n\temail = ada@example.com\n');
  const prefix = join(work, 'npm-global');
  return {
    ...env,
    PORT: String(port),
    XDG_CONFIG_HOME: join(work, 'config'),
    GIT_CONFIG_GLOBAL: gitconfig,
    npm_config_prefix: prefix,
    PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
}

const QUICK_START = ['npm install && npm start', 'npm test'];

const git = (state: State, ...args: string[]) => spawnSyncOutput('git', args, state.cwd).trim();

const WALKTHROUGH: Step[] = [
  {
    run: 'npm link --ignore-scripts',
    check: (_result, state) => {
      expect(existsSync(join(state.env.npm_config_prefix as string, 'bin', 'trunkflow'))).toBe(true);
    },
  },
  {
    run: 'trunkflow login --server http://localhost:4400 --token <admin token>',
    check: ({ stdout }) => expect(stdout).toMatch(/logged in to .* as admin \(admin\)/),
  },
  {
    run: 'trunkflow admin user create dana --role developer --email dana@example.com',
    capture: { "<dana's token>": TOKEN },
    check: ({ stdout }) => expect(stdout).toMatch(/created user dana <dana@example.com> \(developer\)/),
  },
  {
    run: 'trunkflow admin user create erin --role developer --email erin@example.com',
    capture: { "<erin's token>": TOKEN },
  },
  {
    run: 'trunkflow project create shop',
    check: ({ stdout }) => expect(stdout).toMatch(/\/git\/shop\.git/),
  },
  { run: 'cd ..' },
  { run: 'git clone http://admin:<admin token>@localhost:4400/git/shop.git' },
  { run: 'cd shop' },
  {
    run: 'trunkflow init',
    check: (_result, state) => {
      for (const file of ['trunkflow.yml', 'flags.json', '.github/pull_request_template.md']) {
        expect(existsSync(join(state.cwd, file)), file).toBe(true);
      }
    },
  },
  { run: 'git add -A' },
  { run: 'git commit -m "chore: set up shop"' },
  {
    run: 'git push origin HEAD:main',
    check: (_result, state) =>
      expect(git(state, 'ls-remote', 'origin', 'refs/heads/main')).toContain(git(state, 'rev-parse', 'HEAD')),
  },
  { run: "export TRUNKFLOW_TOKEN=<dana's token>" },
  { run: "git remote set-url origin http://dana:<dana's token>@localhost:4400/git/shop.git" },
  { run: 'git config user.name "Dana" && git config user.email dana@example.com' },
  { run: 'git switch -c feature/TF-1-export' },
  { run: `echo "if (useFeatureFlag('example-flag')) console.log('id,total');" > export.js` },
  { run: 'git add export.js && git commit -m "feat: export orders as CSV (TF-1)"' },
  { run: 'git push origin HEAD' },
  { run: "printf '## User flows tested\\n\\n- [x] downloaded the orders as CSV\\n' > pr.md" },
  {
    run: 'trunkflow pr open --project shop --head feature/TF-1-export --title "feat: export orders as CSV (TF-1)" --body-file pr.md',
    check: ({ stdout }) => expect(stdout).toMatch(/#1\b/),
  },
  {
    run: 'trunkflow pr checks 1 --project shop',
    check: ({ stdout }) => {
      expect(stdout).not.toMatch(/^FAIL/m);
      expect(stdout).toMatch(/PASS\s+feature-flag/);
    },
  },
  {
    run: 'trunkflow pr merge 1 --project shop',
    exit: 1,
    check: ({ stderr }) => expect(stderr).toMatch(/approv/i),
  },
  {
    run: "TRUNKFLOW_TOKEN=<erin's token> trunkflow pr approve 1 --project shop",
    check: ({ stdout }) => expect(stdout).toMatch(/erin|approved/i),
  },
  { run: 'trunkflow pr merge 1 --project shop', check: ({ stdout }) => expect(stdout).toMatch(/merged/i) },
  { run: 'git fetch origin' },
  {
    run: 'git log -1 --format="%an <%ae>: %s" origin/main',
    check: ({ stdout }) =>
      expect(stdout.trim()).toBe('dana <dana@example.com>: feat: export orders as CSV (TF-1) (#1)'),
  },
];

describe('README', () => {
  it('every relative link in README.md and docs/ points at a file in the repository', () => {
    const files = ['README.md', ...readdirSync(join(repoRoot, 'docs'), { recursive: true, encoding: 'utf8' })]
      .filter((file) => file.endsWith('.md'))
      .map((file) => (file === 'README.md' ? file : join('docs', file)));
    const broken: string[] = [];
    for (const file of files) {
      const visit = (node: { type: string; url?: string; children?: unknown[] }) => {
        if ((node.type === 'link' || node.type === 'image') && node.url && !/^[a-z]+:|^#/i.test(node.url)) {
          const target = resolve(repoRoot, dirname(file), decodeURIComponent(node.url.split('#')[0] as string));
          if (!target.startsWith(repoRoot) || !existsSync(target)) broken.push(`${file}: ${node.url}`);
        }
        for (const child of (node.children ?? []) as (typeof node)[]) visit(child);
      };
      visit(fromMarkdown(readFileSync(join(repoRoot, file), 'utf8')) as never);
    }
    expect(broken).toEqual([]);
  });

  it('lists the commands this test runs, in order', () => {
    expect(commandsUnder('Quick start')).toEqual(QUICK_START);
    expect(commandsUnder('Run the server')).toEqual(WALKTHROUGH.map((step) => step.run));
  });

  describe('on a fresh clone, with the default data directory', () => {
    let work: string;
    let server: ChildProcess | undefined;
    const output = { text: '' };
    const state: State = { cwd: '', env: {}, values: new Map() };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trunkflow-readme-'));
      const checkout = join(work, 'trunkflow');
      cloneWorkingTree(checkout);
      const port = await freePort();
      state.cwd = checkout;
      state.env = newUserEnv(work, port);
      state.values.set('localhost:4400', `localhost:${port}`);
    }, 60_000);

    afterAll(async () => {
      if (server?.pid !== undefined && server.exitCode === null) {
        const exited = new Promise((done) => server?.once('exit', done));
        process.kill(-server.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        if (server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
      }
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('npm install leaves git status clean and npm start serves with .trunkflow/ in the checkout', async () => {
      const [install, start] = (QUICK_START[0] as string).split(' && ') as [string, string];
      const installed = await run(install, state, 600_000);
      expect(installed.code, installed.stderr).toBe(0);
      expect(`${installed.stdout}${installed.stderr}`).not.toMatch(/EBADENGINE|ERESOLVE|peer dep|npm warn/i);
      expect(git(state, 'status', '--porcelain')).toBe('');

      server = spawn('bash', ['-c', start], {
        cwd: state.cwd,
        env: state.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await waitForStart(server, output);
      state.values.set('<admin token>', (TOKEN.exec(output.text) as RegExpExecArray)[0]);
      expect(existsSync(join(state.cwd, '.trunkflow'))).toBe(true);
      expect(git(state, 'status', '--porcelain')).toBe('');
    }, 660_000);

    it('runs the server walkthrough as written', async () => {
      expect(state.values.has('<admin token>'), 'the quick start must have started the server').toBe(true);
      for (const step of WALKTHROUGH) {
        let command = step.run;
        for (const [placeholder, value] of state.values) command = command.split(placeholder).join(value);
        const cd = /^cd (\S+)$/.exec(command);
        const exported = /^export ([A-Z_]+)=(\S+)$/.exec(command);
        if (cd) {
          state.cwd = resolve(state.cwd, cd[1] as string);
          expect(existsSync(state.cwd), step.run).toBe(true);
          continue;
        }
        if (exported) {
          state.env = { ...state.env, [exported[1] as string]: exported[2] };
          continue;
        }
        const result = await run(command, state);
        const context = `${step.run}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}\nserver: ${output.text.slice(-2000)}`;
        expect(result.code, context).toBe(step.exit ?? 0);
        for (const [placeholder, pattern] of Object.entries(step.capture ?? {})) {
          const found = pattern.exec(result.stdout);
          expect(found, context).not.toBeNull();
          state.values.set(placeholder, (found as RegExpExecArray)[0]);
        }
        step.check?.(result, state);
      }
    }, 300_000);
  });
});
