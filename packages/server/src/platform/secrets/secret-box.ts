// Secrets at rest: AES-256-GCM with one key file in the data folder, created owner-only on first use.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, link, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The key file's name inside the data folder; replicas on one database must share it. */
export const SECRETS_KEY_FILE = 'secrets.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed values start with this, so a later format can be told apart. */
const FORMAT = 'v1';

export class SecretKeyError extends Error {}

/**
 * Seals and opens short secrets (webhook URLs, signing secrets, environment secrets). Each value is
 * sealed with a context (say `notification-target:<id>:url`) that is authenticated but not stored:
 * a sealed value copied into another row or field does not open there.
 */
export class SecretBox {
  private key: Promise<Buffer> | null = null;

  constructor(readonly keyPath: string) {}

  /** The box whose key is `<dataDir>/secrets.key`. */
  static inDataDir(dataDir: string): SecretBox {
    return new SecretBox(join(dataDir, SECRETS_KEY_FILE));
  }

  async seal(plaintext: string, context: string): Promise<string> {
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  async open(sealed: string, context: string): Promise<string> {
    const parts = sealed.split('.');
    const [format, iv, body, tag] = parts;
    if (parts.length !== 4 || format !== FORMAT || iv === undefined || body === undefined || tag === undefined) {
      throw new SecretKeyError('a stored secret is not in the v1 sealed format: it was not written by this server');
    }
    const key = await this.loadKey();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        `a stored secret cannot be decrypted with ${this.keyPath}: the key file was replaced since it was stored (restore the old file, or set the secret again)`,
      );
    }
  }

  /** Loads the key once per process, creating it on first use. */
  private loadKey(): Promise<Buffer> {
    this.key ??= readOrCreateKey(this.keyPath).catch((error: unknown) => {
      // A failed load (a bad file, a full disk) is not cached: the next use tries again.
      this.key = null;
      throw error;
    });
    return this.key;
  }
}

async function readOrCreateKey(path: string): Promise<Buffer> {
  const created = await createKey(path);
  if (created !== null) return created;
  // Owner-only, as the data folder: a key readable by others is tightened rather than refused.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  const text = (await readFile(path, 'utf8')).trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new SecretKeyError(
      `${path} is not a ${KEY_BYTES}-byte base64 key: restore it from a backup (a new key cannot open secrets sealed with the old one)`,
    );
  }
  return key;
}

/**
 * Writes a new key to a temporary file and links it into place: the key file appears whole or not
 * at all, and of two processes creating it at once one wins and the other reads the winner's.
 * Null when the file exists already.
 */
async function createKey(path: string): Promise<Buffer | null> {
  const key = randomBytes(KEY_BYTES);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}
