// Reads trunkflow.yml text (YAML, then the schema) into settings and issues: the one parser the CLI and the server share.
//
// Its own entry point (`@trunkflow/core/config-file`), not in the index: the YAML parser is large, and
// the CLI loads this only when there is a file to read.
import { parseDocument } from 'yaml';
import { type ConfigIssue, defaultConfig, parseConfig, type TrunkflowConfig, trunkflowConfigSchema } from './config.js';

export interface ConfigFileIssue extends ConfigIssue {
  /**
   * `yaml`: the text is not YAML (line and column say where); `not-a-mapping`: it is YAML, but not
   * `key: value` settings; `key`: a setting is unknown or has a wrong value (the path says which).
   */
  kind: 'yaml' | 'not-a-mapping' | 'key';
  /** 1-based, for `yaml` issues when the parser knows where. */
  line?: number;
  column?: number;
}

export interface ConfigFileResult {
  /** The validated settings; the documented defaults when there is no file or it has issues. */
  config: TrunkflowConfig;
  /** Empty when the file is absent or valid; otherwise every problem, each with what to write. */
  issues: ConfigFileIssue[];
}

/** `trunk, timezone and rules`, from the schema, so the message follows new top-level keys. */
function topLevelKeys(): string {
  const keys = Object.keys(trunkflowConfigSchema.shape);
  return keys.length < 2 ? keys.join('') : `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
}

/** Parses trunkflow.yml text; `null` (no file) gives the defaults and no issues. */
export function parseConfigFile(text: string | null): ConfigFileResult {
  if (text === null) return { config: defaultConfig(), issues: [] };
  const document = parseDocument(text);
  const yamlError = document.errors[0];
  if (yamlError) {
    const position = yamlError.linePos?.[0];
    // The parser's first line names the problem; its position is given separately, not in the text.
    const what = (yamlError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return {
      config: defaultConfig(),
      issues: [
        {
          kind: 'yaml',
          path: '(root)',
          message: `invalid YAML: ${what}: fix the syntax at that line`,
          ...(position ? { line: position.line, column: position.col } : {}),
        },
      ],
    };
  }
  const value: unknown = document.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    const message = `the file must hold a mapping of settings, one \`key: value\` a line such as \`trunk: main\` (the keys are ${topLevelKeys()}): \`trunkflow init\` writes a commented example`;
    return { config: defaultConfig(), issues: [{ kind: 'not-a-mapping', path: '(root)', message }] };
  }
  const result = parseConfig(value);
  if (!result.ok) {
    return { config: defaultConfig(), issues: result.issues.map((issue) => ({ kind: 'key', ...issue })) };
  }
  return { config: result.config, issues: [] };
}

/** `rules.pr-size.failAbove: expected a number…` for a key, the message alone for the others. */
export function formatConfigIssue(issue: ConfigFileIssue): string {
  return issue.kind === 'key' ? `${issue.path}: ${issue.message}` : issue.message;
}

/** `:3:7` (line and column, to follow the file name as editors and compilers print it), or ''. */
export function configIssueLocation(issue: ConfigFileIssue): string {
  return issue.line === undefined ? '' : `:${issue.line}:${issue.column}`;
}
