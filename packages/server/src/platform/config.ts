// Server configuration: flags and environment, validated once; nothing else reads process.env.
import { resolve } from 'node:path';
import { z } from 'zod';
import { baseEnvFrom } from '../deployers/child-env.js';

const serverConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535, 'must be a TCP port between 0 and 65535'),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (or leave DATABASE_URL unset for embedded SQLite)')
    .optional(),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The URL users reach this server at, for git URLs in answers. */
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Test-only crash points, e.g. `merge.after-ref-update`; a process that hits one kills itself. */
  faults: z.array(z.string()),
  bodyLimitBytes: z.number().int().positive(),
  /** The longest a request may take to arrive, headers and body; slower ones end with 408. */
  /** `host`: environments at pr-<n>.<project>.localhost on the server's port; `port`: each on a loopback port of its own. */
  proxyMode: z.enum(['host', 'port'], { error: 'must be host or port' }),
  /** What deployed commands inherit from the server (PATH, HOME, …), never its secrets. */
  childEnv: z.record(z.string(), z.string()),
  requestTimeoutMs: z.coerce
    .number()
    .int()
    .min(1000, 'must be at least 1000 (milliseconds)')
    .max(86_400_000, 'must be at most 86400000 (a day, in milliseconds)'),
});

export type ServerConfig = z.output<typeof serverConfigSchema>;

export interface ServerFlags {
  port?: string;
  dataDir?: string;
  host?: string;
}

export class ConfigError extends Error {}

/** Merges flags over environment over defaults, and says exactly which setting is wrong. */
export function loadServerConfig(flags: ServerFlags, env: NodeJS.ProcessEnv, cwd: string): ServerConfig {
  const result = serverConfigSchema.safeParse({
    port: flags.port ?? env.PORT ?? 4400,
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    dataDir: resolve(cwd, flags.dataDir ?? env.TRUNKFLOW_DATA_DIR ?? '.trunkflow'),
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken: env.TRUNKFLOW_ADMIN_TOKEN || undefined,
    publicUrl: env.TRUNKFLOW_PUBLIC_URL || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    faults: (env.TRUNKFLOW_FAULTS ?? '').split(',').filter(Boolean),
    bodyLimitBytes: 1_048_576,
    proxyMode: env.TRUNKFLOW_PROXY_MODE || 'host',
    childEnv: baseEnvFrom(env),
    // Node's own default: long enough for a large git push on a slow link, short enough that a
    // client trickling a body a byte at a time cannot hold a connection for long.
    requestTimeoutMs: env.TRUNKFLOW_REQUEST_TIMEOUT_MS || 300_000,
  });
  if (!result.success) {
    const names: Record<string, string> = {
      port: '--port / PORT',
      host: '--host / HOST',
      dataDir: '--data-dir / TRUNKFLOW_DATA_DIR',
      databaseUrl: 'DATABASE_URL',
      adminToken: 'TRUNKFLOW_ADMIN_TOKEN',
      publicUrl: 'TRUNKFLOW_PUBLIC_URL',
      logLevel: 'LOG_LEVEL',
      requestTimeoutMs: 'TRUNKFLOW_REQUEST_TIMEOUT_MS',
      proxyMode: 'TRUNKFLOW_PROXY_MODE',
    };
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      return `${names[key] ?? key}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return result.data;
}
