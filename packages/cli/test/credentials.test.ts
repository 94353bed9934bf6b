// The stored login file: where it lives, its permissions, atomic replacement and clear errors.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeServer, resolveConnection } from '../src/client/connection.js';
import { credentialsPath, readLogin, removeLogin, writeLogin } from '../src/client/credentials.js';
import { UsageError } from '../src/errors.js';
import type { CliIo } from '../src/io.js';
import { TempDirs } from './helpers/server.js';

const dirs = new TempDirs();
afterEach(() => dirs.removeAll());

describe('credentialsPath', () => {
  it('uses an absolute XDG_CONFIG_HOME, and ignores a relative one as the XDG spec says', () => {
    expect(credentialsPath({ HOME: '/home/a', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/trunkflow/credentials.json');
    expect(credentialsPath({ HOME: '/home/a', XDG_CONFIG_HOME: 'rel' })).toBe(
      '/home/a/.config/trunkflow/credentials.json',
    );
    expect(credentialsPath({ HOME: '/home/a' })).toBe('/home/a/.config/trunkflow/credentials.json');
  });
});

describe('writeLogin, readLogin and removeLogin', () => {
  it('replaces an older login atomically, tightening a loose folder to 0700 and the file to 0600', async () => {
    const home = dirs.make('home');
    const env = { HOME: home };
    const folder = join(home, '.config', 'trunkflow');
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o755);
    writeFileSync(join(folder, 'credentials.json'), '{"server":"http://old","token":"old"}', { mode: 0o644 });

    const path = await writeLogin(env, { server: 'http://localhost:4400', token: 'tf_new' });
    expect(path).toBe(join(folder, 'credentials.json'));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['credentials.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ server: 'http://localhost:4400', token: 'tf_new' });
    expect(await readLogin(env)).toEqual({ server: 'http://localhost:4400', token: 'tf_new' });

    expect(await removeLogin(env)).toBe(path);
    expect(await removeLogin(env)).toBeNull();
    expect(await readLogin(env)).toBeNull();
  });

  it('refuses a damaged file with a way out', async () => {
    const home = dirs.make('home');
    const path = credentialsPath({ HOME: home });
    mkdirSync(join(home, '.config', 'trunkflow'), { recursive: true });
    for (const content of ['not json', '{"server":"x"}', '[]']) {
      writeFileSync(path, content);
      const error = await readLogin({ HOME: home }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain('run `trunkflow login` again or `trunkflow logout`');
    }
  });
});

describe('resolveConnection', () => {
  const io = (env: NodeJS.ProcessEnv): CliIo => ({
    cwd: '/',
    env,
    stdout: () => {},
    stderr: () => {},
    color: false,
    now: () => new Date(0),
    setExitCode: () => {},
  });

  it('takes flags over the environment over the stored login over the default', async () => {
    const home = dirs.make('home');
    const env = { HOME: home };
    expect(await resolveConnection(io(env), {})).toMatchObject({
      server: 'http://localhost:4400',
      token: null,
      tokenSource: null,
    });
    await writeLogin(env, { server: 'http://stored:1', token: 'stored' });
    expect(await resolveConnection(io(env), {})).toMatchObject({
      server: 'http://stored:1',
      token: 'stored',
      tokenSource: 'stored',
    });
    const withEnv = { ...env, TRUNKFLOW_SERVER: 'http://env:2/', TRUNKFLOW_TOKEN: 'env' };
    expect(await resolveConnection(io(withEnv), {})).toMatchObject({
      server: 'http://env:2',
      token: 'env',
      tokenSource: 'env',
    });
    expect(await resolveConnection(io(withEnv), { server: 'http://flag:3', token: 'flag' })).toMatchObject({
      server: 'http://flag:3',
      token: 'flag',
      tokenSource: 'flag',
    });
    // Empty variables count as unset.
    expect(await resolveConnection(io({ ...env, TRUNKFLOW_SERVER: '', TRUNKFLOW_TOKEN: '' }), {})).toMatchObject({
      server: 'http://stored:1',
      tokenSource: 'stored',
    });
  });

  it('sends the stored token only to the server it was stored for', async () => {
    const home = dirs.make('home');
    const env = { HOME: home };
    await writeLogin(env, { server: 'http://stored:1/', token: 'stored' });
    expect(await resolveConnection(io(env), { server: 'http://stored:1' })).toMatchObject({ token: 'stored' });
    expect(await resolveConnection(io(env), { server: 'http://other:1' })).toMatchObject({
      token: null,
      tokenSource: null,
    });
  });

  it('normalises server URLs and refuses ones it cannot use', () => {
    expect(normalizeServer('http://h:1//', '--server')).toBe('http://h:1');
    expect(normalizeServer('https://h/trunkflow/', '--server')).toBe('https://h/trunkflow');
    expect(() => normalizeServer('h:1', '--server')).toThrow('must start with http:// or https://');
    expect(() => normalizeServer('not a url', '--server')).toThrow('is not a URL');
    expect(() => normalizeServer('http://u:p@h', '--server')).toThrow('holds credentials');
    expect(() => normalizeServer('http://h?x=1', '--server')).toThrow('must not have a query');
  });
});
