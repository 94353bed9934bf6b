// The stored login: one server URL and token in the user's config directory, readable by the user alone.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { UsageError } from '../errors.js';

export interface StoredLogin {
  server: string;
  token: string;
}

const storedLoginSchema = z.object({ server: z.string().min(1), token: z.string().min(1) });

/** `$XDG_CONFIG_HOME/trunkflow/credentials.json`, else `~/.config/trunkflow/credentials.json`. */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(configHome, 'trunkflow', 'credentials.json');
}

export async function readLogin(env: NodeJS.ProcessEnv): Promise<StoredLogin | null> {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(
      `cannot read the stored login ${path} (${(error as Error).message}): fix it or run \`trunkflow logout\``,
    );
  }
  let parsed: ReturnType<typeof storedLoginSchema.safeParse>;
  try {
    parsed = storedLoginSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = storedLoginSchema.safeParse(undefined);
  }
  if (!parsed.success) {
    throw new UsageError(
      `the stored login ${path} is not valid JSON of the form {"server", "token"}: run \`trunkflow login\` again or \`trunkflow logout\``,
    );
  }
  return parsed.data;
}

/** Writes atomically (a private temp file renamed over the old one), so a crash never leaves half a token. */
export async function writeLogin(env: NodeJS.ProcessEnv, login: StoredLogin): Promise<string> {
  const path = credentialsPath(env);
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder alone; ours holds a secret, so tighten it.
  await chmod(dir, 0o700);
  const temp = join(dir, `.credentials.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(`${JSON.stringify(login, null, 2)}\n`);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}

/** Removes the stored login; returns the path removed, or null when there was none. */
export async function removeLogin(env: NodeJS.ProcessEnv): Promise<string | null> {
  const path = credentialsPath(env);
  try {
    await rm(path);
    return path;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot remove the stored login ${path} (${(error as Error).message})`);
  }
}
