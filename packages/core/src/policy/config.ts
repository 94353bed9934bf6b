// The `trunkflow.yml` schema: every rule's settings with the process documents' defaults.
import * as z from 'zod';
import { environmentsSchema, proxySchema } from '../pipeline/environments.js';
import { RULE_IDS } from './types.js';

const regexSource = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value, 'u');
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression (${(error as Error).message}); escape special characters with a backslash`,
    });
  }
});

const enabled = z.boolean().default(true).describe('Set to false to turn the rule off (its finding is then `skip`).');

export const DEFAULT_LOCK_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'deno.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'composer.lock',
  'poetry.lock',
  'Pipfile.lock',
  'pdm.lock',
  'uv.lock',
  'go.sum',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'Package.resolved',
  'packages.lock.json',
  'paket.lock',
  'gradle.lockfile',
  'flake.lock',
] as const;

export const DEFAULT_FLAG_PATTERNS = [
  'useFeatureFlag\\(\\s*[\'"`](?<flag>[^\'"`]+)[\'"`]',
  '<FeatureFlag\\b[^>]*?\\bname=[{]?[\'"`](?<flag>[^\'"`]+)[\'"`]',
  'get(?:Boolean|String|Number|Object)(?:Value|Details)\\(\\s*[\'"`](?<flag>[^\'"`]+)[\'"`]',
  '\\bFEATURE_(?<env>[A-Z0-9]+(?:_[A-Z0-9]+)*)\\b',
] as const;

export const CONVENTIONAL_TYPES = [
  'feat',
  'fix',
  'perf',
  'revert',
  'refactor',
  'docs',
  'test',
  'build',
  'ci',
  'chore',
  'style',
] as const;

const prSize = z
  .strictObject({
    enabled,
    warnAbove: z.number().int().nonnegative().default(200).describe('Warn when added plus deleted lines exceed this.'),
    failAbove: z.number().int().nonnegative().default(400).describe('Fail when added plus deleted lines exceed this.'),
    lockFiles: z
      .array(z.string().min(1))
      .default(() => [...DEFAULT_LOCK_FILES])
      .describe('File names never counted (matched against the base name).'),
    exclude: z
      .array(z.string().min(1))
      .default(() => ['**/__snapshots__/**', '**/*.snap'])
      .describe('Globs of paths never counted, such as snapshots.'),
  })
  .superRefine((v, ctx) => {
    if (v.failAbove < v.warnAbove) {
      ctx.addIssue({
        code: 'custom',
        path: ['failAbove'],
        message: `failAbove (${v.failAbove}) is below warnAbove (${v.warnAbove}): raise failAbove or lower warnAbove, e.g. \`pr-size: { warnAbove: 200, failAbove: 400 }\``,
      });
    }
  });

const dailyPrLimit = z.strictObject({
  enabled,
  max: z.number().int().positive().default(1).describe('Most PRs one author may open per calendar day.'),
});

const branchAge = z
  .strictObject({
    enabled,
    warnAfterDays: z.number().positive().default(1),
    failAfterDays: z.number().positive().default(2),
  })
  .superRefine((v, ctx) => {
    if (v.failAfterDays < v.warnAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['failAfterDays'],
        message: `failAfterDays (${v.failAfterDays}) is below warnAfterDays (${v.warnAfterDays}): raise failAfterDays or lower warnAfterDays, e.g. \`branch-age: { warnAfterDays: 1, failAfterDays: 2 }\``,
      });
    }
  });

const featureFlag = z.strictObject({
  enabled,
  registry: z
    .string()
    .min(1)
    .default('flags.json')
    .describe('Path of the flagd-format flags file, from the repository root.'),
  types: z
    .array(z.string().min(1))
    .default(() => ['feat'])
    .describe('Conventional Commit types that must reference a feature flag.'),
  patterns: z
    .array(regexSource)
    .default(() => [...DEFAULT_FLAG_PATTERNS])
    .describe(
      'Regular expressions finding flag references. A named group `flag` captures a flag key; a group `env` captures an environment-variable suffix (FEATURE_NEW_CHECKOUT → new-checkout).',
    ),
});

const userFlowChecklist = z.strictObject({
  enabled,
  heading: z
    .string()
    .min(1)
    .default('User flows tested')
    .describe('Heading of the checklist section (case-insensitive).'),
});

const coverage = z.strictObject({
  enabled,
  threshold: z
    .number()
    .nonnegative()
    .default(0)
    .describe('Percentage points a package may fall below its baseline before the rule fails.'),
  baseline: z
    .string()
    .min(1)
    .default('.trunkflow/coverage-baseline.json')
    .describe('Baseline file written by `trunkflow coverage baseline`, from the repository root.'),
  reports: z
    .array(z.string().min(1))
    .default(() => [])
    .describe('Coverage reports to read when `--coverage` is not given.'),
});

const titleFormat = z.strictObject({
  enabled,
  types: z
    .array(z.string().min(1))
    .default(() => [...CONVENTIONAL_TYPES])
    .describe('Conventional Commit types allowed in titles.'),
});

const linkedTask = z.strictObject({
  enabled,
  pattern: regexSource.default('[A-Z][A-Z0-9]+-\\d+').describe('Regular expression of a task key.'),
});

const rules = z
  .strictObject({
    'pr-size': prSize.prefault({}),
    'daily-pr-limit': dailyPrLimit.prefault({}),
    'branch-age': branchAge.prefault({}),
    'feature-flag': featureFlag.prefault({}),
    'user-flow-checklist': userFlowChecklist.prefault({}),
    coverage: coverage.prefault({}),
    'title-format': titleFormat.prefault({}),
    'linked-task': linkedTask.prefault({}),
  })
  .describe(`Settings per rule. Known rule ids: ${RULE_IDS.join(', ')}.`);

const timezone = z
  .string()
  .min(1)
  .default('UTC')
  .superRefine((value, ctx) => {
    // Probing a zone loads ICU's zone data (tens of ms); UTC is always known.
    if (value === 'UTC') return;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone "${value}": use an IANA name such as Europe/Berlin` });
    }
  })
  .describe("The team's IANA time zone, for calendar days.");

export const trunkflowConfigSchema = z
  .strictObject({
    trunk: z.string().min(1).default('main').describe('The trunk branch.'),
    timezone,
    rules: rules.prefault({}),
    environments: environmentsSchema,
    proxy: proxySchema,
  })
  .describe('Trunkflow configuration (trunkflow.yml).');

export type TrunkflowConfig = z.output<typeof trunkflowConfigSchema>;
export type RulesConfig = TrunkflowConfig['rules'];
export type RuleConfig<Id extends keyof RulesConfig> = RulesConfig[Id];

export interface ConfigIssue {
  /** Dotted key path, e.g. `rules.pr-size.failAbove`. */
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: TrunkflowConfig } | { ok: false; issues: ConfigIssue[] };

/** A YAML flow rendering of a default value, short enough for one line of an error message. */
function yamlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.slice(0, 3).map(yamlValue).join(', ')}]`;
  // Plain when YAML reads it back as the same text, else single-quoted (no escapes to get wrong).
  if (typeof value === 'string')
    return /^[\w./-][\w./ -]*[\w./-]$|^\w$/.test(value) ? value : `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'object' && value !== null) {
    // A rule's example shows its limits and names, not `enabled` or long lists.
    const entries = Object.entries(value).filter(([key, item]) => key !== 'enabled' && !Array.isArray(item));
    const shown = entries.length > 0 ? entries : Object.entries(value).filter(([key]) => key !== 'enabled');
    return `{ ${shown.map(([key, item]) => `${key}: ${yamlValue(item)}`).join(', ')} }`;
  }
  return String(value);
}

/**
 * Every default as the file writes it (`30m`, not 1800000), with each environment written out: what
 * error messages show as the example to write.
 */
function documentedDefaults(): unknown {
  const filled = trunkflowConfigSchema.parse({ environments: { preview: {}, staging: {}, production: {} } });
  return z.encode(trunkflowConfigSchema, filled);
}

/** The default at `path` (e.g. ['rules', 'pr-size']), or undefined past the schema's keys. */
function defaultAt(path: readonly PropertyKey[], defaults: unknown): unknown {
  let value: unknown = defaults;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What to write at `path`: `key: value` in backticks, from the documented defaults. */
function exampleAt(path: readonly PropertyKey[], defaults: unknown): string | null {
  // An item of a list is fixed by writing the list.
  const keyPath = typeof path[path.length - 1] === 'number' ? path.slice(0, -1) : path;
  const key = keyPath[keyPath.length - 1];
  if (key === undefined)
    return 'settings such as `trunk: main`, one per line (`trunkflow init` writes a commented file)';
  if (key === 'enabled') return '`enabled: true` or `enabled: false`';
  if (key === 'rules') return `\`rules: { pr-size: ${yamlValue(defaultAt(['rules', 'pr-size'], defaults))} }\``;
  // An environment's defaults fill a screen; `{}` asks for all of them.
  if (key === 'environments' && keyPath.length === 1) return '`environments: { staging: {} }` (every default)';
  if (keyPath.length === 2 && keyPath[0] === 'environments') return `\`${String(key)}: {}\` (every default)`;
  const value = defaultAt(keyPath, defaults);
  if (value === undefined) return null;
  if (Array.isArray(value) && value.length === 0) return `\`${String(key)}: [path/to/file]\``;
  return `\`${String(key)}: ${yamlValue(value)}\``;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  string: 'text',
  array: 'a list',
  object: 'a mapping of settings',
};

function describeInput(input: unknown): string {
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return `the text ${JSON.stringify(input)}`;
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'object' && input !== null) return 'a mapping';
  return String(input);
}

/** Whether a schema's own `error` wrote the message (with its fix), rather than zod's generic words. */
function writtenBySchema(issue: z.core.$ZodIssue): boolean {
  const generic = z.config().localeError?.(issue as z.core.$ZodRawIssue);
  return (typeof generic === 'string' ? generic : generic?.message) !== issue.message;
}

/** One zod issue as "what is wrong; write what", since zod's own words name neither key nor fix. */
function explain(issue: z.core.$ZodIssue, defaults: unknown): string {
  if (issue.code !== 'custom' && writtenBySchema(issue)) return issue.message;
  const example = exampleAt(issue.path, defaults);
  const write = example === null ? '' : `; write ${example}`;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return `is required${write || ': add it'}`;
      if (input === null) return `is empty${write} or remove the key`;
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeInput(input)}${write}`;
    }
    case 'too_small': {
      if (issue.origin === 'string') return `is empty text${write}`;
      if (issue.origin === 'array') return `is an empty list${write}`;
      const bound = issue.inclusive ? `at least ${issue.minimum}` : `above ${issue.minimum}`;
      return `is ${describeInput(input).replace(/^the number /, '')}, but must be ${bound}${write}`;
    }
    case 'custom':
      // Custom issues are ours, written with their fix.
      return issue.message;
    default:
      return `${issue.message}${write}`;
  }
}

/** Validates a parsed config document; unknown keys and rule ids are errors. */
export function parseConfig(document: unknown): ConfigResult {
  const result = trunkflowConfigSchema.safeParse(document ?? {}, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  const defaults = documentedDefaults();
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const knownKeys = keysAt(issue.path, document);
      for (const key of issue.keys) {
        const fullPath = path ? `${path}.${key}` : key;
        const message =
          path === 'rules'
            ? `unknown rule id "${key}": known rules are ${RULE_IDS.join(', ')}`
            : `unknown key "${key}": remove it or check its spelling (known keys: ${knownKeys.join(', ')})`;
        issues.push({ path: fullPath, message });
      }
      continue;
    }
    issues.push({ path: path || '(root)', message: explain(issue, defaults) });
  }
  return { ok: false, issues };
}

/** The parts of a zod definition the key walk below reads. */
interface SchemaDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  values?: unknown[];
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as SchemaDef;

function stepInto(value: unknown, key: PropertyKey): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
}

/** The union option `value` was read with: by its discriminator, else the first option that is a mapping. */
function optionFor(def: SchemaDef, value: unknown): z.core.$ZodType | undefined {
  const options = def.options ?? [];
  if (def.discriminator !== undefined) {
    const tag = stepInto(value, def.discriminator);
    return options.find((option) => {
      const field = defOf(option).shape?.[def.discriminator ?? ''];
      return field !== undefined && (defOf(field).values ?? []).includes(tag);
    });
  }
  return options.find((option) => defOf(option).type === 'object');
}

/** The keys the schema knows for the mapping at `path` of `document`, for an unknown key's message. */
function keysAt(path: readonly PropertyKey[], document: unknown): string[] {
  let node: z.core.$ZodType | undefined = trunkflowConfigSchema;
  let value = document;
  let depth = 0;
  while (node !== undefined) {
    const def = defOf(node);
    if (def.innerType !== undefined) node = def.innerType;
    else if (def.in !== undefined) node = def.in;
    else if (def.type === 'union') node = optionFor(def, value);
    else if (depth === path.length) return def.shape === undefined ? [] : Object.keys(def.shape);
    else {
      const key = path[depth] as PropertyKey;
      node = def.shape?.[String(key)] ?? def.element ?? def.valueType;
      value = stepInto(value, key);
      depth += 1;
    }
  }
  return [];
}

export function defaultConfig(): TrunkflowConfig {
  return trunkflowConfigSchema.parse({});
}

/** Settings in the file's own notation (`30m` rather than milliseconds, argument lists for commands), to print. */
export function encodeConfig(config: TrunkflowConfig): unknown {
  return z.encode(trunkflowConfigSchema, config);
}

/** JSON Schema of `trunkflow.yml`, generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(trunkflowConfigSchema, { io: 'input' }) as Record<string, unknown>;
}
