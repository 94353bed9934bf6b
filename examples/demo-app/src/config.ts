// Turns the environment Trunkflow's deployer sets (PORT, TRUNKFLOW_*) into the app's settings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How the app misbehaves once the break delay has passed:
 * - `off`: never (no `BROKEN` file, or not production);
 * - `all`: `/healthz` and the product pages answer 500;
 * - `pages`: only the product pages answer 500, so the health check passes and only the error rate shows it.
 */
export type BreakMode = 'off' | 'all' | 'pages';

export interface DemoConfig {
  port: number;
  /** Interface to listen on; undefined listens on all of them, as Node does by default. */
  host: string | undefined;
  env: string | null;
  sha: string | null;
  version: string | null;
  breakMode: BreakMode;
  breakAfterMs: number;
}

/** Raised for a setting the app cannot start with; the message says how to fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_BREAK_AFTER_MS = 5000;
export const BROKEN_FILE = 'BROKEN';

type Env = Readonly<Record<string, string | undefined>>;

const nonEmpty = (value: string | undefined): string | null => {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
};

const wholeNumber = (name: string, raw: string | undefined, fallback: number, max: number): number => {
  const value = nonEmpty(raw);
  if (value === null) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new ConfigError(`${name}=${value} is not a whole number from 0 to ${max}: set it to e.g. ${fallback}`);
  }
  return Number(value);
};

/**
 * Reads the `BROKEN` marker's mode from its content: `pages` keeps the health check passing, anything
 * else (an empty file included) breaks the health check too.
 */
export const markerMode = (content: string): Exclude<BreakMode, 'off'> =>
  content.trim().split(/\s+/)[0]?.toLowerCase() === 'pages' ? 'pages' : 'all';

/**
 * Builds the settings from environment variables and the content of the `BROKEN` file (undefined when
 * there is none). Only production breaks, so staging passes with the same tree and only production's
 * monitoring window can catch it.
 */
export const parseConfig = (env: Env, brokenMarker: string | undefined): DemoConfig => {
  const name = nonEmpty(env.TRUNKFLOW_ENV);
  return {
    port: wholeNumber('PORT', env.PORT, DEFAULT_PORT, 65_535),
    host: nonEmpty(env.HOST) ?? undefined,
    env: name,
    sha: nonEmpty(env.TRUNKFLOW_SHA),
    version: nonEmpty(env.TRUNKFLOW_VERSION),
    breakMode: brokenMarker !== undefined && name === 'production' ? markerMode(brokenMarker) : 'off',
    breakAfterMs: wholeNumber('DEMO_BREAK_AFTER_MS', env.DEMO_BREAK_AFTER_MS, DEFAULT_BREAK_AFTER_MS, 2_147_483_647),
  };
};

/** The `BROKEN` file's content in `root`, or undefined when it does not exist. */
export const readBrokenMarker = (root: string): string | undefined => {
  const path = join(root, BROKEN_FILE);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};
