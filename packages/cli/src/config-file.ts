// Loads and validates trunkflow.yml, turning every problem into a message with the file, key and fix.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { defaultConfig, type TrunkflowConfig } from '@trunkflow/core';
import { UsageError } from './errors.js';

export interface LoadedConfig {
  config: TrunkflowConfig;
  /** The file read, or null when none exists and the defaults apply. */
  path: string | null;
}

/**
 * Reads the config. An explicit path must exist; the default path may be
 * absent, in which case the documented defaults apply.
 */
export async function loadConfig(path: string, explicit: boolean): Promise<LoadedConfig> {
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { config: defaultConfig(), path: null };
    if (code === 'ENOENT') {
      throw new UsageError(
        `${shown}: config file not found: check the --config path, or run \`trunkflow init\` to write one`,
      );
    }
    throw new UsageError(`${shown}: cannot read the config file (${(error as Error).message})`);
  }
  return { config: await parseConfigText(text, shown), path };
}

export async function parseConfigText(text: string, shown: string): Promise<TrunkflowConfig> {
  // Loaded only when there is a file to parse: a repository without trunkflow.yml (and every
  // `trunkflow check` there) skips compiling the YAML parser.
  const { configIssueLocation, parseConfigFile } = await import('@trunkflow/core/config-file');
  const { config, issues } = parseConfigFile(text);
  const [first] = issues;
  if (first === undefined) return config;
  if (first.kind !== 'key') throw new UsageError(`${shown}${configIssueLocation(first)}: ${first.message}`);
  const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
  throw new UsageError(
    `${shown}: invalid configuration:\n${lines.join('\n')}\nFix these keys; \`trunkflow config schema\` prints every key with its type.`,
  );
}
