// `trunkflow notify add|list|remove` against a real server: a maintainer manages targets, a webhook's secret shows once, a developer is refused, bad input fails before the server.
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const dirs = new TempDirs();
let server: RunningServer;
let dataDir: string;
let maintainerToken = '';
let developerToken = '';

const cli = (token: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCliAsync(args, {
    env: { ...baseEnv(dirs.make('home')), TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: token, ...env },
  });
const admin = (...args: string[]) => cli(server.adminToken ?? '', args);
const maintainer = (...args: string[]) => cli(maintainerToken, args);

beforeAll(async () => {
  dataDir = dirs.make('data');
  server = await startServer({ dataDir });
  expect((await admin('project', 'create', 'shop')).status).toBe(0);
  const mia = JSON.parse((await admin('admin', 'user', 'create', 'mia', '--format', 'json')).stdout);
  const dev = JSON.parse((await admin('admin', 'user', 'create', 'dev', '--format', 'json')).stdout);
  maintainerToken = mia.token;
  developerToken = dev.token;
  expect((await admin('admin', 'member', 'set', 'shop', 'mia', 'maintainer')).status).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  dirs.removeAll();
});

describe('trunkflow notify', () => {
  it('adds a Slack target from an environment variable, so the URL stays out of shell history', async () => {
    const added = await cli(
      maintainerToken,
      [
        'notify',
        'add',
        'slack',
        '--project',
        'shop',
        '--url-env',
        'SLACK_URL',
        '--events',
        'release.failed,release.rolled_back',
      ],
      { SLACK_URL: 'https://hooks.slack.com/services/T0/B0/very-secret' },
    );
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toBe(
      'added slack target slack to shop (https://hooks.slack.com/…)\n  sent: release.failed, release.rolled_back\n',
    );
    expect(added.stdout).not.toContain('very-secret');
  });

  it('prints a webhook’s generated signing secret once; list never shows it', async () => {
    const added = await maintainer(
      'notify',
      'add',
      'webhook',
      '--project',
      'shop',
      '--name',
      'ops',
      '--url',
      'http://127.0.0.1:9/hook',
      '--format',
      'json',
    );
    expect(added.status, added.stderr).toBe(0);
    const body = JSON.parse(added.stdout);
    expect(body.secret).toMatch(/^tfwh_/);
    expect(body.target).toMatchObject({
      name: 'ops',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/…',
      lastDelivery: null,
    });

    const text = await maintainer(
      'notify',
      'add',
      'webhook',
      '--project',
      'shop',
      '--name',
      'ops-2',
      '--url',
      'http://127.0.0.1:9/two',
    );
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^signing secret tfwh_\S+ — store it now, it is not shown again$/m);

    const list = await maintainer('notify', 'list', '--project', 'shop', '--format', 'json');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).not.toContain(body.secret);
    expect(JSON.parse(list.stdout).targets.map((target: { name: string }) => target.name)).toEqual([
      'ops',
      'ops-2',
      'slack',
    ]);
  });

  it('lists targets with how each last delivery went', async () => {
    const sqlite = new SqliteDatabase(join(dataDir, 'trunkflow.sqlite'));
    try {
      sqlite
        .prepare(
          `update notification_targets set last_delivery_at = ?, last_delivery_event = 'release.failed',
           last_delivery_ok = 0, last_delivery_attempt = 3, last_delivery_error = ? where name = 'ops'`,
        )
        .run('2026-03-01T12:00:00.000Z', 'http://127.0.0.1:9/… answered HTTP 500');
    } finally {
      sqlite.close();
    }
    const list = await maintainer('notify', 'list', '--project', 'shop');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/NAME\s+KIND\s+URL\s+EVENTS\s+LAST DELIVERY/);
    expect(list.stdout).toContain(
      'failed 2026-03-01T12:00:00.000Z (release.failed, attempt 3): http://127.0.0.1:9/… answered HTTP 500',
    );
    expect(list.stdout).toMatch(
      /slack\s+slack\s+https:\/\/hooks\.slack\.com\/…\s+release\.failed,release\.rolled_back\s+-/,
    );
  });

  it('refuses a developer: only maintainers manage targets', async () => {
    const refused = await cli(developerToken, [
      'notify',
      'add',
      'slack',
      '--project',
      'shop',
      '--url',
      'https://x.test/h',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('dev may not do this: it needs the maintainer role in this project');
    expect((await cli(developerToken, ['notify', 'list', '--project', 'shop'])).status).toBe(1);
  });

  it.each([
    [
      ['notify', 'add', 'email', '--project', 'shop', '--url', 'https://x.test/'],
      'unknown target kind "email": use slack or webhook',
    ],
    [
      ['notify', 'add', 'slack', '--project', 'shop', '--url', 'ftp://x.test/'],
      'must start with http:// or https://, not ftp://',
    ],
    [['notify', 'add', 'slack', '--project', 'shop', '--url', 'x.test/hook'], 'the URL is not a URL'],
    [
      ['notify', 'add', 'slack', '--project', 'shop'],
      'give the URL to POST to with --url <url> or --url-env <variable>',
    ],
    [
      ['notify', 'add', 'slack', '--project', 'shop', '--url-env', 'NOPE_UNSET'],
      '--url-env NOPE_UNSET: that environment variable is not set',
    ],
    [
      ['notify', 'add', 'slack', '--project', 'shop', '--url', 'https://x.test/', '--events', 'deploy.ok'],
      '--events has unknown "deploy.ok"',
    ],
    [
      ['notify', 'add', 'slack', '--project', 'shop', '--url', 'https://x.test/', '--secret', '0123456789abcdef'],
      'a Slack target takes no --secret',
    ],
    [
      ['notify', 'add', 'webhook', '--project', 'shop', '--url', 'https://x.test/', '--name', 'Ops Team'],
      '--name "Ops Team" is not valid',
    ],
    [['notify', 'add', 'slack', '--url', 'https://x.test/'], "required option '--project <name>' not specified"],
  ])('refuses %j before asking the server (exit 2)', async (args, message) => {
    const run = await maintainer(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('passes on the server’s refusal of a name that is taken', async () => {
    const again = await maintainer(
      'notify',
      'add',
      'webhook',
      '--project',
      'shop',
      '--name',
      'ops',
      '--url',
      'https://x.test/',
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already has a notification target named "ops": pick another name (--name)');
  });

  it('removes a target, then says it has none of that name', async () => {
    const removed = await maintainer('notify', 'remove', 'ops-2', '--project', 'shop');
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout).toBe('removed webhook target ops-2 from shop\n');
    const again = await maintainer('notify', 'remove', 'ops-2', '--project', 'shop');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('project shop has no notification target "ops-2"');
  });
});
