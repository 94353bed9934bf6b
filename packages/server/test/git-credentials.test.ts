// A git client with no token or a bad one is told how to give git its token, not how to send an API header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

describe.each(testDatabases())('git credentials on $name', (kind) => {
  let server: TestServer;
  const client = new GitClient();

  beforeAll(async () => {
    server = await startServer(kind);
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
  });

  afterAll(async () => {
    client.remove();
    await server?.stop();
  });

  it('explains the token-as-password URL when the token is wrong', async () => {
    const clone = await client.run(['clone', authedGitUrl(server.url, 'shop', 'tf_not_a_real_token_000000000'), 'bad']);
    expect(clone.status).not.toBe(0);
    expect(clone.stderr).toContain('that token is not valid: use your Trunkflow token as the password');
    expect(clone.stderr).toMatch(/git clone http:\/\/<user>:<token>@localhost:\d+\/git\/shop\.git/);
    expect(clone.stderr).not.toContain('Authorization: Bearer');
  });

  it('asks for Basic credentials, with the same advice, when there is no token at all', async () => {
    // git answers this 401 by asking for a user name and password (the token), then shows the text on a bad one.
    const response = await fetch(`${server.url}/git/shop.git/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="Trunkflow"/);
    const text = await response.text();
    expect(text).toContain('authentication required: use your Trunkflow token as the password');
    expect(text).toContain('credential helper');
  });
});
