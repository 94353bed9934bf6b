// The client commands against a real server: login, credential precedence, admin, projects and error exits.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES } from '@trunkflow/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, freePort, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const dirs = new TempDirs();
let server: RunningServer;
let adminToken: string;

beforeAll(async () => {
  server = await startServer({ dataDir: dirs.make('data') });
  adminToken = server.adminToken ?? '';
  expect(adminToken).not.toBe('');
});

afterAll(async () => {
  await server.stop();
  dirs.removeAll();
});

/** A user's own HOME and config directory, so stored logins never leak between tests. */
function user(extra: NodeJS.ProcessEnv = {}) {
  const home = dirs.make('home');
  const env = { ...baseEnv(home), XDG_CONFIG_HOME: join(home, 'config'), ...extra };
  return {
    home,
    credentials: join(home, 'config', 'trunkflow', 'credentials.json'),
    run: (...args: string[]) => runCliAsync(args, { env }),
  };
}

const admin = (...args: string[]) => user({ TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: adminToken }).run(...args);

async function createUser(name: string, role = 'developer'): Promise<string> {
  const run = await admin('admin', 'user', 'create', name, '--role', role, '--format', 'json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout).token;
}

describe('trunkflow login, whoami and logout', () => {
  it('verifies the token, stores it with mode 0600 in a 0700 folder, and later commands use it', async () => {
    const me = user();
    const login = await me.run('login', '--server', `${server.url}/`, '--token', adminToken);
    expect(login.status, login.stderr).toBe(0);
    expect(login.stdout).toContain(`logged in to ${server.url} as admin (admin)`);
    expect(statSync(me.credentials).mode & 0o777).toBe(0o600);
    expect(statSync(join(me.home, 'config', 'trunkflow')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(me.credentials, 'utf8'))).toEqual({ server: server.url, token: adminToken });
    // Written through a temp file and a rename: nothing else is left in the folder.
    expect(readdirSync(join(me.home, 'config', 'trunkflow'))).toEqual(['credentials.json']);

    const whoami = await me.run('whoami', '--format', 'json');
    expect(whoami.status, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ server: server.url, name: 'admin', role: 'admin' });

    const logout = await me.run('logout');
    expect(logout.status).toBe(0);
    expect(existsSync(me.credentials)).toBe(false);
    const after = await me.run('whoami');
    expect(after.status).toBe(2);
    expect(after.stderr).toContain(`no token for http://localhost:4400: run \`trunkflow login --server`);
  });

  it('defaults to ~/.config/trunkflow without XDG_CONFIG_HOME', async () => {
    const home = dirs.make('home');
    const run = await runCliAsync(['login', '--server', server.url, '--token', adminToken], { env: baseEnv(home) });
    expect(run.status, run.stderr).toBe(0);
    expect(statSync(join(home, '.config', 'trunkflow', 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad token at login and stores nothing', async () => {
    const me = user();
    const login = await me.run('login', '--server', server.url, '--token', 'tf_not-a-real-token');
    expect(login.status).toBe(2);
    expect(login.stderr).toContain(`the server at ${server.url} did not accept the token (check --token)`);
    expect(login.stderr).toContain('trunkflow login');
    expect(existsSync(me.credentials)).toBe(false);
  });

  it('needs a token to log in', async () => {
    const login = await user().run('login', '--server', server.url);
    expect(login.status).toBe(2);
    expect(login.stderr).toContain('login needs a token: pass --token <token> or set TRUNKFLOW_TOKEN');
  });

  it('lets --token and TRUNKFLOW_TOKEN win over the stored login, --token first', async () => {
    const aliceToken = await createUser('alice');
    const bobToken = await createUser('bob');
    const me = user();
    expect((await me.run('login', '--server', server.url, '--token', adminToken)).status).toBe(0);
    const name = async (...args: string[]) => {
      const run = await me.run('whoami', '--format', 'json', ...args);
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout).name;
    };
    expect(await name()).toBe('admin');
    expect(await name('--token', aliceToken)).toBe('alice');

    const withEnv = user({ TRUNKFLOW_TOKEN: bobToken });
    expect((await withEnv.run('login', '--server', server.url, '--token', adminToken)).status).toBe(0);
    const envRun = await withEnv.run('whoami', '--format', 'json');
    expect(JSON.parse(envRun.stdout).name).toBe('bob');
    const flagRun = await withEnv.run('whoami', '--format', 'json', '--token', aliceToken);
    expect(JSON.parse(flagRun.stdout).name).toBe('alice');
    // A bad env token is named as the culprit, even with a good stored login.
    const badEnv = await user({ TRUNKFLOW_TOKEN: 'tf_bad', TRUNKFLOW_SERVER: server.url }).run('whoami');
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toContain('check TRUNKFLOW_TOKEN');
  });

  it('lets --server and TRUNKFLOW_SERVER win over the stored server, and never sends the stored token elsewhere', async () => {
    const closedPort = await freePort();
    const elsewhere = `http://localhost:${closedPort}`;
    const me = user();
    expect((await me.run('login', '--server', server.url, '--token', adminToken)).status).toBe(0);

    const flag = await me.run('whoami', '--server', elsewhere);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain(`no token for ${elsewhere} (the stored login is for ${server.url}, not this server)`);

    const viaEnv = user({ TRUNKFLOW_SERVER: elsewhere, TRUNKFLOW_TOKEN: adminToken });
    const unreachable = await viaEnv.run('whoami');
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toBe(
      `trunkflow: cannot reach the Trunkflow server at ${elsewhere} (ECONNREFUSED): start it with \`trunkflow serve\` or pass --server\n`,
    );
    // --server beats TRUNKFLOW_SERVER.
    const flagWins = await viaEnv.run('whoami', '--server', server.url, '--format', 'json');
    expect(flagWins.status, flagWins.stderr).toBe(0);
    expect(JSON.parse(flagWins.stdout)).toMatchObject({ name: 'admin', server: server.url });
  });

  it('refuses a malformed server URL before sending anything', async () => {
    const run = await user().run('whoami', '--server', 'localhost:4400', '--token', adminToken);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--server "localhost:4400" must start with http:// or https://');
  });

  it('says how to fix a stored login file that is not valid', async () => {
    const me = user();
    expect((await me.run('login', '--server', server.url, '--token', adminToken)).status).toBe(0);
    writeFileSync(me.credentials, '{"server": 1}');
    const run = await me.run('whoami');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('is not valid JSON of the form {"server", "token"}: run `trunkflow login` again');
  });
});

describe('trunkflow admin', () => {
  it('creates a user and prints {"user", "token"} as JSON; the token works', async () => {
    const run = await admin('admin', 'user', 'create', 'carol', '--role', 'developer', '--format', 'json');
    expect(run.status, run.stderr).toBe(0);
    const created = JSON.parse(run.stdout);
    expect(Object.keys(created).sort()).toEqual(['token', 'user']);
    expect(created.user).toMatchObject({ name: 'carol', role: 'developer' });
    expect(created.user.id).toEqual(expect.any(String));
    expect(created.user.createdAt).toEqual(expect.any(String));
    expect(created.token).toMatch(/^tf_/);
    const me = await user().run('whoami', '--server', server.url, '--token', created.token, '--format', 'json');
    expect(JSON.parse(me.stdout)).toMatchObject({ name: 'carol', role: 'developer' });
  });

  it('creates a user with --email, and refuses an address before or at the server', async () => {
    const created = await admin('admin', 'user', 'create', 'gina', '--email', 'gina@example.com', '--format', 'json');
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).user).toMatchObject({ name: 'gina', email: 'gina@example.com' });
    const text = await admin('admin', 'user', 'create', 'hal', '--email', 'hal@example.com');
    expect(text.stdout).toMatch(/^created user hal <hal@example\.com> \(developer\)\n/);

    const local = await admin('admin', 'user', 'create', 'ivy', '--email', 'Ivy <ivy@example.com>');
    expect(local.status).toBe(2);
    expect(local.stderr).toContain('--email "Ivy <ivy@example.com>" is not an e-mail address');
    const remote = await admin('admin', 'user', 'create', 'ivy', '--email', 'ivy@localhost');
    expect(remote.status).not.toBe(0);
    expect(remote.stderr).toContain('not an e-mail address');
    const list = JSON.parse((await admin('admin', 'user', 'list', '--format', 'json')).stdout);
    expect(list.users.map((entry: { name: string }) => entry.name)).not.toContain('ivy');
  });

  it('lists users, creates tokens and sets memberships', async () => {
    await createUser('dave', 'viewer');
    const list = await admin('admin', 'user', 'list', '--format', 'json');
    expect(list.status, list.stderr).toBe(0);
    const users: { name: string; role: string }[] = JSON.parse(list.stdout).users;
    expect(users.find((entry) => entry.name === 'dave')).toMatchObject({
      role: 'viewer',
      email: 'dave@trunkflow.local',
    });
    const text = await admin('admin', 'user', 'list');
    expect(text.stdout).toMatch(/^NAME\s+EMAIL\s+ROLE\s+CREATED\n/);
    expect(text.stdout).toMatch(/\ndave\s+dave@trunkflow\.local\s+viewer\s+\d{4}-/);

    const token = await admin('admin', 'token', 'create', 'dave', '--label', 'ci', '--format', 'json');
    expect(token.status, token.stderr).toBe(0);
    const daveToken = JSON.parse(token.stdout).token;
    const me = await user().run('whoami', '--server', server.url, '--token', daveToken);
    expect(me.stdout).toBe(`dave (viewer) at ${server.url}\n`);

    expect((await admin('project', 'create', 'members')).status).toBe(0);
    const member = await admin('admin', 'member', 'set', 'members', 'dave', 'developer', '--format', 'json');
    expect(member.status, member.stderr).toBe(0);
    expect(JSON.parse(member.stdout)).toEqual({ project: 'members', user: 'dave', role: 'developer' });
  });

  it('validates roles before sending, and passes on the server refusals with their reasons', async () => {
    const badRole = await admin('admin', 'user', 'create', 'erin', '--role', 'owner');
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('Allowed choices are viewer, product, developer, maintainer, admin');
    const badMemberRole = await admin('admin', 'member', 'set', 'members', 'erin', 'owner');
    expect(badMemberRole.status).toBe(2);
    expect(badMemberRole.stderr).toContain(
      'unknown role "owner": use one of viewer, product, developer, maintainer, admin',
    );

    await createUser('frank');
    const duplicate = await admin('admin', 'user', 'create', 'frank');
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toBe(
      'trunkflow: user "frank" already exists: pick another name or create a token for it\n',
    );
    const badName = await admin('admin', 'user', 'create', 'Not Valid');
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('user name "Not Valid" is not valid');
    const noUser = await admin('admin', 'token', 'create', 'nobody');
    expect(noUser.status).toBe(1);
    expect(noUser.stderr).toContain('no user named "nobody"');
  });

  it('refuses admin commands to a non-admin with exit 1 and the reason', async () => {
    const token = await createUser('grace');
    const run = await user({ TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: token }).run('admin', 'user', 'list');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^trunkflow: grace may not do this: it needs the admin role/);
  });

  it('knows the same roles as the server (its OpenAPI document)', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: unknown }> } } }>;
    };
    const schema = document.paths['/api/admin/users']?.post?.requestBody?.content['application/json']?.schema as {
      properties: { role: { enum: string[] } };
    };
    expect(schema.properties.role.enum).toEqual([...ROLES]);
  });
});

describe('trunkflow project', () => {
  it('creates a project and prints it as JSON with the git URL on the server port', async () => {
    const run = await admin('project', 'create', 'shop', '--format', 'json');
    expect(run.status, run.stderr).toBe(0);
    const project = JSON.parse(run.stdout);
    expect(project).toMatchObject({
      name: 'shop',
      trunk: 'main',
      gitUrl: `http://localhost:${server.port}/git/shop.git`,
      allowDirectTrunkPush: false,
      dismissStaleApprovals: true,
      requiredApprovals: 1,
    });
    const list = await admin('project', 'list', '--format', 'json');
    expect(JSON.parse(list.stdout).projects.map((entry: { name: string }) => entry.name)).toContain('shop');
    const text = await admin('project', 'list');
    expect(text.stdout).toMatch(
      new RegExp(`\\nshop +main +internal +http://localhost:${server.port}/git/shop\\.git\\n`),
    );
  });

  it('passes the project options through', async () => {
    const run = await admin(
      'project',
      'create',
      'tools',
      '--trunk',
      'trunk',
      '--allow-direct-trunk-push',
      '--no-dismiss-stale-approvals',
      '--required-approvals',
      '2',
      '--format',
      'json',
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      trunk: 'trunk',
      allowDirectTrunkPush: true,
      dismissStaleApprovals: false,
      requiredApprovals: 2,
    });
    const text = await admin('project', 'create', 'docs');
    expect(text.stdout).toBe(
      `created project docs (trunk main, internal)\n  git clone http://localhost:${server.port}/git/docs.git\n`,
    );
  });

  it('refuses bad input with exit 2 and a refused action with exit 1', async () => {
    const badTrunk = await admin('project', 'create', 'x', '--trunk', 'has space');
    expect(badTrunk.status).toBe(2);
    expect(badTrunk.stderr).toContain('--trunk "has space" contains a space');
    const badApprovals = await admin('project', 'create', 'x', '--required-approvals', '-1');
    expect(badApprovals.status).toBe(2);
    const badName = await admin('project', 'create', 'Bad_Name');
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('project name "Bad_Name" is not valid');
    expect((await admin('project', 'create', 'twice')).status).toBe(0);
    const twice = await admin('project', 'create', 'twice');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toBe('trunkflow: project "twice" already exists: pick another name\n');
    const viewer = await createUser('heidi', 'viewer');
    const forbidden = await user({ TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: viewer }).run(
      'project',
      'create',
      'mine',
    );
    expect(forbidden.status).toBe(1);
    expect(forbidden.stderr).toContain('heidi may not do this: it needs the developer role');
  });
});

describe('trunkflow pr input checks', () => {
  it('refuses a PR number that is not a positive whole number before sending anything', async () => {
    for (const bad of ['0', '-3', 'abc', '1.5', '12x']) {
      const run = await admin('pr', 'view', bad, '--project', 'shop');
      expect(run.status, bad).toBe(2);
      expect(run.stderr).toContain(`PR number "${bad}" is not valid: use a positive whole number`);
    }
  });

  it('refuses a bad branch name, a missing body file and a missing --project', async () => {
    const badHead = await admin('pr', 'open', '--project', 'shop', '--head', 'feature/a..b', '--title', 't');
    expect(badHead.status).toBe(2);
    expect(badHead.stderr).toContain('--head "feature/a..b" contains ".."');
    const noFile = await admin(
      'pr',
      'open',
      '--project',
      'shop',
      '--head',
      'f',
      '--title',
      't',
      '--body-file',
      '/nope.md',
    );
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('--body-file /nope.md: cannot read it');
    const noProject = await admin('pr', 'list');
    expect(noProject.status).toBe(2);
    expect(noProject.stderr).toContain("required option '--project <name>' not specified");
    const badState = await admin('pr', 'list', '--project', 'shop', '--state', 'gone');
    expect(badState.status).toBe(2);
  });
});
