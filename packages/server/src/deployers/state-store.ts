// The deployers' small JSON record per environment under <dataDir>/deploys, so a restarted server can adopt its apps.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { checkEnvironment, type EnvironmentRef, environmentSlug } from './environment.js';

const environmentSchema = z.union([
  z.object({ project: z.string(), environment: z.literal('preview'), pr: z.number().int().positive() }),
  z.object({ project: z.string(), environment: z.enum(['staging', 'production']) }),
]);

/** One built tree and how to start it. Secrets are never here: only their names. */
const processReleaseSchema = z.object({
  id: z.string(),
  sha: z.string(),
  version: z.string().nullable(),
  ref: z.string().nullable(),
  repoPath: z.string(),
  tree: z.string(),
  start: z.array(z.string()).min(1),
  variables: z.record(z.string(), z.string()),
  secretNames: z.array(z.string()),
  healthPath: z.string(),
  healthTimeoutMs: z.number().int().positive(),
  /** How the proxy serves it: a restarted server opens the same kind of URL again. */
  proxyMode: z.enum(['host', 'port']).optional(),
  /** The app's loopback port, and its process group while it runs (null once stopped). */
  port: z.number().int().min(1).max(65_535),
  pid: z.number().int().positive().nullable(),
  deployedAt: z.string(),
});

/**
 * A deploy or rollback under way: its tree exists and its app may be starting. A server that
 * restarts finds it here, stops its process group and removes its tree, so no half-started app
 * outlives a crash and no deploy of it runs twice.
 */
const pendingSchema = z.object({
  id: z.string(),
  repoPath: z.string(),
  tree: z.string(),
  pid: z.number().int().positive().nullable(),
  /** A rollback's tree is the kept build: it stays. */
  keepTree: z.boolean(),
});

const processStateSchema = z.object({
  kind: z.literal('process'),
  environment: environmentSchema,
  url: z.string(),
  current: processReleaseSchema.nullable(),
  /** Production's kept build: stopped, its tree left in place for a rollback without install or build. */
  previous: processReleaseSchema.nullable(),
  pending: pendingSchema.nullable().optional(),
});

const commandStateSchema = z.object({
  kind: z.literal('command'),
  environment: environmentSchema,
  url: z.string(),
  sha: z.string(),
  version: z.string().nullable(),
  ref: z.string().nullable(),
  repoPath: z.string(),
  variables: z.record(z.string(), z.string()),
  deployedAt: z.string(),
});

const stateSchema = z.object({
  format: z.literal(1),
  state: z.discriminatedUnion('kind', [processStateSchema, commandStateSchema]),
});

export type ProcessRelease = z.infer<typeof processReleaseSchema>;
export type PendingRelease = z.infer<typeof pendingSchema>;
export type ProcessState = z.infer<typeof processStateSchema>;
export type CommandState = z.infer<typeof commandStateSchema>;
export type EnvironmentRecord = ProcessState | CommandState;

/** `<dataDir>/deploys/<project>/<pr-N|staging|production>/`: trees, output files and `state.json`. */
export class StateStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'deploys');
  }

  /** The environment's folder; the reference is checked first, so no name can leave the root. */
  dirOf(ref: EnvironmentRef): string {
    checkEnvironment(ref);
    const dir = join(this.root, ref.project, environmentSlug(ref));
    if (!dir.startsWith(this.root + sep)) throw new Error(`environment folder ${dir} is outside ${this.root}`);
    return dir;
  }

  async read(ref: EnvironmentRef): Promise<EnvironmentRecord | null> {
    return this.readFile(join(this.dirOf(ref), 'state.json'));
  }

  /** Written to a temporary file and renamed over the old one, so a crash never leaves half a record. */
  async write(ref: EnvironmentRef, state: EnvironmentRecord): Promise<void> {
    const dir = this.dirOf(ref);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'state.json');
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ format: 1, state }, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  }

  /** Removes the whole folder: record, output files, and any tree still in it. */
  async remove(ref: EnvironmentRef): Promise<void> {
    await rm(this.dirOf(ref), { recursive: true, force: true });
  }

  /** Every record on disk; unreadable ones are reported through `onBad` and skipped. */
  async all(onBad: (file: string, error: string) => void = () => undefined): Promise<EnvironmentRecord[]> {
    const records: EnvironmentRecord[] = [];
    const projects = await readdir(this.root).catch(() => [] as string[]);
    for (const project of projects.sort()) {
      const environments = await readdir(join(this.root, project)).catch(() => [] as string[]);
      for (const environment of environments.sort()) {
        const file = join(this.root, project, environment, 'state.json');
        try {
          const record = await this.readFile(file);
          if (record !== null) records.push(record);
        } catch (error) {
          onBad(file, (error as Error).message);
        }
      }
    }
    return records;
  }

  private async readFile(file: string): Promise<EnvironmentRecord | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const parsed = stateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(`${file} is not a deploy record this server understands: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data.state as EnvironmentRecord;
  }
}
