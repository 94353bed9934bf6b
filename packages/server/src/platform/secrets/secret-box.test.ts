// The secret box on a real file system: the key file is made owner-only on first use, reused, and values open only in their context.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECRETS_KEY_FILE, SecretBox } from './secret-box.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-secrets-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const keyPath = () => join(dataDir, SECRETS_KEY_FILE);

describe('SecretBox', () => {
  it('creates <dataDir>/secrets.key with mode 0600 on first use, not before', async () => {
    const box = SecretBox.inDataDir(dataDir);
    await expect(stat(keyPath())).rejects.toMatchObject({ code: 'ENOENT' });
    const sealed = await box.seal('https://hooks.slack.com/services/T0/B0/abc', 'ctx');
    expect((await stat(keyPath())).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(keyPath(), 'utf8')).trim(), 'base64')).toHaveLength(32);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('hooks.slack.com');
    expect(await box.open(sealed, 'ctx')).toBe('https://hooks.slack.com/services/T0/B0/abc');
  });

  it('seals the same value differently each time, and a second box on the same file opens it', async () => {
    const first = SecretBox.inDataDir(dataDir);
    const a = await first.seal('s3cret', 'ctx');
    const b = await first.seal('s3cret', 'ctx');
    expect(a).not.toBe(b);
    const second = SecretBox.inDataDir(dataDir);
    expect(await second.open(a, 'ctx')).toBe('s3cret');
    expect(await second.open(b, 'ctx')).toBe('s3cret');
  });

  it('gives every box racing to create the key the same key', async () => {
    const boxes = Array.from({ length: 8 }, () => SecretBox.inDataDir(dataDir));
    const sealed = await Promise.all(boxes.map((box, i) => box.seal(`value-${i}`, 'ctx')));
    const reader = SecretBox.inDataDir(dataDir);
    expect(await Promise.all(sealed.map((value) => reader.open(value, 'ctx')))).toEqual(
      boxes.map((_, i) => `value-${i}`),
    );
  });

  it.each([
    ['another context', (sealed: string) => ({ sealed, context: 'other' })],
    ['a flipped ciphertext byte', (sealed: string) => ({ sealed: flipBody(sealed), context: 'ctx' })],
  ])('refuses to open a value under %s', async (_case, change) => {
    const box = SecretBox.inDataDir(dataDir);
    const { sealed, context } = change(await box.seal('s3cret', 'ctx'));
    await expect(box.open(sealed, context)).rejects.toThrow(/cannot be decrypted with .*secrets\.key/);
  });

  it('says a value sealed under an older key file cannot be opened, and how to recover', async () => {
    const sealed = await SecretBox.inDataDir(dataDir).seal('s3cret', 'ctx');
    await rm(keyPath());
    await expect(SecretBox.inDataDir(dataDir).open(sealed, 'ctx')).rejects.toThrow(
      'the key file was replaced since it was stored (restore the old file, or set the secret again)',
    );
  });

  it('refuses a key file that is not a 32-byte base64 key, and a value in no known format', async () => {
    await writeFile(keyPath(), 'not a key\n', { mode: 0o600 });
    await expect(SecretBox.inDataDir(dataDir).seal('x', 'ctx')).rejects.toThrow(
      /is not a 32-byte base64 key: restore it from a backup/,
    );
    await expect(SecretBox.inDataDir(dataDir).open('plain text', 'ctx')).rejects.toThrow('not in the v1 sealed format');
  });

  it('tightens a key file others may read to 0600', async () => {
    await SecretBox.inDataDir(dataDir).seal('x', 'ctx');
    await chmod(keyPath(), 0o644);
    await SecretBox.inDataDir(dataDir).seal('y', 'ctx');
    expect((await stat(keyPath())).mode & 0o777).toBe(0o600);
  });
});

function flipBody(sealed: string): string {
  const [format, iv, body, tag] = sealed.split('.') as [string, string, string, string];
  const bytes = Buffer.from(body, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return [format, iv, bytes.toString('base64url'), tag].join('.');
}
