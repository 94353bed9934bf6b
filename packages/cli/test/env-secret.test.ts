// `trunkflow env secret set|list|remove` against a real server: the value comes from standard input (one final newline dropped) and is never shown; bad input fails before the server.
import { spawn } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';
import { baseEnv, type RunningServer, startServer, TempDirs } from './helpers/server.js';
import { CLI_BIN, type CliRun } from './helpers/temp-repo.js';

const dirs = new TempDirs();
let server: RunningServer;
let dataDir = '';
let maintainerToken = '';
let developerToken = '';

const VALUE = 'sk_live_51Hc-from-stdin';

/** The built CLI with `input` on its standard input (a pipe, as `printf … | trunkflow …` gives it). */
function cli(token: string, args: string[], input?: string | Buffer): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { ...baseEnv(dirs.make('home')), TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
const maintainer = (args: string[], input?: string | Buffer) => cli(maintainerToken, args, input);

/** Opens a stored value the way the server does (v1.<iv>.<body>.<tag>, AES-256-GCM, its row as AAD), to see what was stored. */
function storedValue(environment: string, name: string): string {
  const sqlite = new SqliteDatabase(join(dataDir, 'trunkflow.sqlite'), { readonly: true });
  try {
    const row = sqlite
      .prepare(
        `select s.project_id as project, s.value_sealed as sealed from environment_secrets s
         join projects p on p.id = s.project_id where p.name = 'shop' and s.environment = ? and s.name = ?`,
      )
      .get(environment, name) as { project: string; sealed: string } | undefined;
    if (row === undefined) throw new Error(`no stored ${environment} ${name}`);
    const [, iv, body, tag] = row.sealed.split('.') as [string, string, string, string];
    const key = Buffer.from(readFileSync(join(dataDir, 'secrets.key'), 'utf8').trim(), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`environment-secret:${row.project}:${environment}:${name}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } finally {
    sqlite.close();
  }
}

beforeAll(async () => {
  dataDir = dirs.make('data');
  server = await startServer({ dataDir });
  const admin = (args: string[]) => cli(server.adminToken ?? '', args);
  expect((await admin(['project', 'create', 'shop'])).status).toBe(0);
  maintainerToken = JSON.parse((await admin(['admin', 'user', 'create', 'mia', '--format', 'json'])).stdout).token;
  developerToken = JSON.parse((await admin(['admin', 'user', 'create', 'dev', '--format', 'json'])).stdout).token;
  expect((await admin(['admin', 'member', 'set', 'shop', 'mia', 'maintainer'])).status).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  dirs.removeAll();
});

describe('trunkflow env secret', () => {
  it('sets a secret from standard input, dropping one final newline, and never prints the value', async () => {
    const set = await maintainer(['env', 'secret', 'set', 'staging', 'STRIPE_KEY', '--project', 'shop'], `${VALUE}\n`);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toBe("set STRIPE_KEY in shop's staging environment: runs from now on get it\n");
    expect(storedValue('staging', 'STRIPE_KEY')).toBe(VALUE);

    // Only one newline goes: a value may end in one of its own; \r\n (a Windows file) goes whole.
    const kept = await maintainer(
      ['env', 'secret', 'set', 'staging', 'PEM', '--project', 'shop'],
      'line one\nline two\n\n',
    );
    expect(kept.status, kept.stderr).toBe(0);
    expect(storedValue('staging', 'PEM')).toBe('line one\nline two\n');
    const crlf = await maintainer(
      ['env', 'secret', 'set', 'production', 'STRIPE_KEY', '--project', 'shop', '--format', 'json'],
      'sk_live_prod\r\n',
    );
    expect(crlf.status, crlf.stderr).toBe(0);
    expect(JSON.parse(crlf.stdout)).toEqual({
      name: 'STRIPE_KEY',
      environment: 'production',
      updatedAt: expect.any(String),
      updatedBy: 'mia',
    });
    expect(storedValue('production', 'STRIPE_KEY')).toBe('sk_live_prod');
  });

  it('lists names, as a table and as JSON, never a value', async () => {
    const text = await maintainer(['env', 'secret', 'list', 'staging', '--project', 'shop']);
    expect(text.status, text.stderr).toBe(0);
    const rows = text.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+UPDATED\s+BY$/);
    expect(rows.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(['PEM', 'STRIPE_KEY']);
    expect(rows.slice(1).every((row) => row.endsWith('mia'))).toBe(true);
    const json = await maintainer(['env', 'secret', 'list', 'staging', '--project', 'shop', '--format', 'json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).secrets.map((secret: { name: string }) => secret.name)).toEqual([
      'PEM',
      'STRIPE_KEY',
    ]);
    for (const output of [text.stdout, json.stdout]) {
      expect(output).not.toContain(VALUE);
      expect(output).not.toContain('line one');
    }
    const empty = await maintainer(['env', 'secret', 'list', 'preview', '--project', 'shop']);
    expect(empty.stdout).toContain("no secrets in shop's preview environment: set one with `printf %s");
  });

  it('removes a secret, then says how to list them when it is gone', async () => {
    const removed = await maintainer(['env', 'secret', 'remove', 'staging', 'PEM', '--project', 'shop']);
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout).toBe("removed PEM from shop's staging environment\n");
    const again = await maintainer(['env', 'secret', 'remove', 'staging', 'PEM', '--project', 'shop']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('trunkflow env secret list staging --project shop');
    const json = await maintainer(['env', 'secret', 'list', 'staging', '--project', 'shop', '--format', 'json']);
    expect(JSON.parse(json.stdout).secrets.map((secret: { name: string }) => secret.name)).toEqual(['STRIPE_KEY']);
  });

  it('refuses a developer, with the role it needs', async () => {
    const refused = await cli(
      developerToken,
      ['env', 'secret', 'set', 'staging', 'STOLEN', '--project', 'shop'],
      'value-1234',
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('needs the maintainer role in this project');
  });

  it.each([
    ['an empty standard input', ['staging', 'KEY'], '', 'standard input is empty: pipe the value in'],
    ['only a newline', ['staging', 'KEY'], '\n', 'standard input is empty'],
    ['a value too short to mask', ['staging', 'KEY'], 'abc\n', 'shorter than 4 characters'],
    ['a value over 16 KiB', ['staging', 'KEY'], 'x'.repeat(20_000), 'over 16384 bytes'],
    ['a value that is not UTF-8', ['staging', 'KEY'], Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0x41]), 'not UTF-8 text'],
    ['a lower-case name', ['staging', 'stripe_key'], 'value-1234', 'use upper-case letters, digits and _'],
    ['a reserved name', ['staging', 'TRUNKFLOW_TOKEN'], 'value-1234', 'is set by Trunkflow on every deploy'],
    [
      'an unknown environment',
      ['prod', 'KEY'],
      'value-1234',
      'unknown environment "prod": use preview, staging, production',
    ],
  ])('refuses %s before asking the server (exit 2)', async (_what, args, input, message) => {
    const run = await maintainer(['env', 'secret', 'set', ...args, '--project', 'shop'], input);
    expect(run.status, run.stdout).toBe(2);
    expect(run.stderr).toContain(message);
    const listed = await maintainer(['env', 'secret', 'list', 'staging', '--project', 'shop', '--format', 'json']);
    expect(JSON.parse(listed.stdout).secrets.map((secret: { name: string }) => secret.name)).toEqual(['STRIPE_KEY']);
  });

  it('refuses a terminal on standard input instead of waiting for typing, and reads nothing from it', async () => {
    let read = false;
    let err = '';
    const io: CliIo = {
      cwd: process.cwd(),
      env: {},
      stdout: () => {},
      stderr: (text) => {
        err += text;
      },
      color: false,
      now: () => new Date(),
      setExitCode: () => {},
      stdin: {
        isTTY: () => true,
        read: async () => {
          read = true;
          return Buffer.from('typed-value');
        },
      },
    };
    const code = await main(
      [
        'node',
        'trunkflow',
        'env',
        'secret',
        'set',
        'staging',
        'KEY',
        '--project',
        'shop',
        '--server',
        server.url,
        '--token',
        maintainerToken,
      ],
      io,
    );
    expect(code).toBe(2);
    expect(read).toBe(false);
    expect(err).toContain('standard input, which is a terminal: pipe the value in');
    expect(err).toContain('printf %s "$KEY" | trunkflow env secret set staging KEY --project shop');
  });
});
