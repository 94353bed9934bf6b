// A tiny deployable app (no install, no build) that logs each start, and a git working copy to push it from.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '@trunkflow/git';

/**
 * The app: on start it appends `{ env, sha, version, pid }` to STARTS_FILE (when set), then, once
 * GATE_FILE exists (when set), listens on PORT with /healthz and /version. A test holds a deploy in
 * its start by leaving the gate closed.
 */
const APP = `// Written by a Trunkflow test: a tiny app that records each start.
import { appendFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';

const { PORT, HOST, TRUNKFLOW_ENV, TRUNKFLOW_SHA, TRUNKFLOW_VERSION, STARTS_FILE, GATE_FILE } = process.env;
if (STARTS_FILE) {
  const line = { env: TRUNKFLOW_ENV, sha: TRUNKFLOW_SHA, version: TRUNKFLOW_VERSION || null, pid: process.pid };
  appendFileSync(STARTS_FILE, JSON.stringify(line) + '\\n');
}
const serve = () =>
  createServer((request, response) => {
    if (request.url === '/healthz') return response.writeHead(200).end('ok');
    if (request.url === '/version') {
      const body = { sha: TRUNKFLOW_SHA, version: TRUNKFLOW_VERSION || null, env: TRUNKFLOW_ENV };
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    response.writeHead(404).end();
  }).listen(Number(PORT), HOST || '127.0.0.1');
const opened = () => (!GATE_FILE || existsSync(GATE_FILE) ? serve() : setTimeout(opened, 100));
opened();
`;

export interface AppStart {
  env: string;
  sha: string;
  version: string | null;
  pid: number;
}

/** Every start the app recorded in `file`, in order. */
export async function startsOf(file: string): Promise<AppStart[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AppStart);
}

/** An environment section that runs the tiny app with the `process` deployer: no install, no build. */
export function tinyAppEnvironment(options: { variables?: Record<string, string>; extra?: string[] } = {}): string[] {
  const variables = Object.entries(options.variables ?? {});
  return [
    '    deployer: process',
    '    install: false',
    '    build: false',
    '    start: node app.mjs',
    '    healthPath: /healthz',
    '    healthTimeout: 5m',
    ...(variables.length > 0
      ? ['    variables:', ...variables.map(([name, value]) => `      ${name}: ${JSON.stringify(value)}`)]
      : []),
    ...(options.extra ?? []),
  ];
}

/** A working copy of a hosted project: commits by one author, pushes with a token URL. */
export class WorkingCopy {
  constructor(
    readonly dir: string,
    private readonly remote: () => string,
  ) {}

  git(...args: string[]): Promise<string> {
    return runGit(args, { cwd: this.dir });
  }

  /** `git init` with the tiny app and `trunkflow.yml`. */
  async init(trunkflowYml: string): Promise<void> {
    await this.git('init', '-q', '-b', 'main');
    await writeFile(join(this.dir, 'app.mjs'), APP);
    await writeFile(join(this.dir, 'trunkflow.yml'), trunkflowYml);
  }

  /** Commits everything as Dana and answers the new sha. */
  async commit(message: string): Promise<string> {
    await this.git('add', '-A');
    await this.git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', message);
    return (await this.git('rev-parse', 'HEAD')).trim();
  }

  async push(ref: string): Promise<void> {
    await this.git('push', '-q', this.remote(), ref);
  }

  async pull(branch: string): Promise<void> {
    await this.git('pull', '-q', this.remote(), branch);
  }
}
