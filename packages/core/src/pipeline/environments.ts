// The `environments:` section of trunkflow.yml: how preview, staging and production are deployed, tested and watched.
import * as z from 'zod';
import { type CommandArgs, checkCommandArgs, splitCommand } from '../shared/command-line.js';
import { durationSchema, formatDuration } from '../shared/duration.js';
import { formatJsonPath, parseJsonPath } from '../shared/json-path.js';
import { backtrackingProblem, DEFAULT_ERROR_LINE_PATTERN } from './error-lines.js';
import { DEFAULT_PREVIEW_TTL_MS } from './preview-ttl.js';

export const ENVIRONMENT_SECTIONS = ['preview', 'staging', 'production'] as const;
/** A key of `environments:`; the pipeline's environments are instances of these (one preview per PR). */
export type EnvironmentSection = (typeof ENVIRONMENT_SECTIONS)[number];

export const DEPLOYER_NAMES = ['process', 'command'] as const;
export type DeployerName = (typeof DEPLOYER_NAMES)[number];

export const CHECK_PROVIDERS = ['http', 'logs', 'prometheus', 'command'] as const;
export type CheckProvider = (typeof CHECK_PROVIDERS)[number];

const COMMAND_HELP = 'expected a command: one line like `npm ci`, or a list of arguments like [npm, ci]';

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The arguments of a command line or list, or an issue saying how to write it. */
function toArgs(value: string | string[], payload: z.core.ParsePayload<unknown>): CommandArgs {
  let problem: string | null;
  if (typeof value === 'string') {
    const split = splitCommand(value);
    if (split.ok) return split.args;
    problem = `\`${value}\`: ${split.message}`;
  } else {
    problem = checkCommandArgs(value);
    if (problem === null) return value;
  }
  payload.issues.push({ code: 'custom', message: problem, input: value });
  return z.NEVER;
}

const commandLine = z.union([z.string(), z.array(z.string())], {
  error: (issue) =>
    issue.input === undefined
      ? 'is required: write a command, one line like `npm run smoke` or a list of arguments like [npm, run, smoke]'
      : COMMAND_HELP,
});

/** A command: one line split into arguments (no shell), or the argument list itself; parsed to the list. */
export function commandSchema() {
  return z
    .codec(commandLine, z.array(z.string()), { decode: toArgs, encode: (args) => args })
    .meta({ title: 'command' });
}

const OFF_HELP = 'false (none) or a command: one line like `npm ci`, or a list of arguments like [npm, ci]';

/** A command, or `false` for none. */
function commandOrOff() {
  const input = z.union([z.literal(false), z.string(), z.array(z.string())], {
    error: (issue) => (issue.input === undefined ? undefined : `expected ${OFF_HELP}`),
  });
  return z
    .codec(input, z.union([z.literal(false), z.array(z.string())]), {
      decode: (value, payload) => (value === false ? false : toArgs(value, payload)),
      encode: (value) => value,
    })
    .meta({ title: 'command or false' });
}

/** `build`: a command, `false`, or `auto`, which the deployer resolves against package.json's scripts. */
function buildSetting() {
  const input = z.union([z.literal(false), z.string(), z.array(z.string())], {
    error: (issue) => (issue.input === undefined ? undefined : `expected auto, ${OFF_HELP}`),
  });
  return z
    .codec(input, z.union([z.literal('auto'), z.literal(false), z.array(z.string())]), {
      decode: (value, payload) => (value === false || value === 'auto' ? value : toArgs(value, payload)),
      encode: (value) => value,
    })
    .meta({ title: 'command, auto or false' });
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be set from trunkflow.yml, or null. */
function variableNameProblem(name: string): string | null {
  if (!ENV_NAME.test(name)) {
    return `\`${name}\` is not an environment variable name: use letters, digits and _, not starting with a digit, like API_URL`;
  }
  if (name === 'PORT' || name.startsWith('TRUNKFLOW_')) {
    return `\`${name}\` is set by Trunkflow on every deploy (PORT and TRUNKFLOW_*): use another name`;
  }
  return null;
}

/** Secret names: what `trunkflow env secret set` accepts, so every name a `secrets:` list gives can be set. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const SECRET_NAME_MAX = 128;

/** Why `name` cannot be an environment secret's name, or null; the server, the CLI and trunkflow.yml share it. */
export function secretNameProblem(name: string): string | null {
  if (name.length > SECRET_NAME_MAX) {
    return `the secret name is ${name.length} characters long: use at most ${SECRET_NAME_MAX}`;
  }
  if (!SECRET_NAME.test(name)) {
    return `\`${name}\` is not a secret name: use upper-case letters, digits and _, not starting with a digit, like STRIPE_KEY`;
  }
  return variableNameProblem(name);
}

const variableValue = z
  .codec(
    z.union([z.string(), z.number(), z.boolean()], {
      error: (issue) => (issue.input === undefined ? undefined : 'expected text, a number or true/false, like "on"'),
    }),
    z.string(),
    { decode: (value) => String(value), encode: (value) => value },
  )
  .meta({ title: 'text' });

const variables = z
  .record(z.string(), variableValue)
  .superRefine((values, ctx) => {
    for (const name of Object.keys(values)) {
      const problem = variableNameProblem(name);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  })
  .prefault({})
  .describe('Environment variables the app gets, by name. Trunkflow sets PORT and TRUNKFLOW_* itself.');

const SECRET_VALUES = 'a value is never written in the repository, it is set on the Trunkflow server';

const secrets = z
  .array(z.string(), {
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : isMapping(issue.input)
          ? `lists secret names only, like [STRIPE_KEY]: ${SECRET_VALUES}`
          : `expected a list of secret names, like [STRIPE_KEY]: ${SECRET_VALUES}`,
  })
  .superRefine((names, ctx) => {
    const seen = new Set<string>();
    names.forEach((name, index) => {
      const problem = secretNameProblem(name);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: [index], message: problem });
      else if (seen.has(name))
        ctx.addIssue({ code: 'custom', path: [index], message: `\`${name}\` is listed twice: remove one` });
      seen.add(name);
    });
  })
  .default(() => [])
  .describe(
    'Names of the secrets this environment needs; a value never goes in the repository, it is set on the server with `trunkflow env secret set <env> <NAME>`. Every secret set for the environment reaches its commands as an environment variable; a run whose list names one with no value fails at checkout, saying how to set it. A preview gets only `preview` secrets.',
  );

const urlPath = z.string().regex(/^\/\S*$/, {
  error: (issue) => `\`${String(issue.input)}\` is not a URL path: start it with /, like /healthz`,
});

const healthPath = urlPath
  .default('/healthz')
  .describe('The path that answers 2xx once the app is up; a deploy waits for it, and it is the default check.');

const deployer = z
  .enum(DEPLOYER_NAMES, {
    error: (issue) =>
      `unknown deployer ${JSON.stringify(issue.input)}: use process (runs the app on this machine behind Trunkflow’s proxy) or command (runs your own \`deploy\` command)`,
  })
  .default('process')
  .describe(
    '`process` checks the sha out into a worktree, installs, builds and starts the app here; `command` runs your `deploy` command (carlin, vercel, kubectl…) instead.',
  );

const environmentShape = {
  deployer,
  deploy: commandSchema()
    .optional()
    .describe(
      'For `deployer: command`, and required there: deploys the checked-out sha and prints a line `TRUNKFLOW_URL=<url>`. It gets TRUNKFLOW_SHA, TRUNKFLOW_ENV, TRUNKFLOW_PR, TRUNKFLOW_REF and TRUNKFLOW_VERSION. A non-zero exit fails the deploy.',
    ),
  destroy: commandSchema()
    .optional()
    .describe('For `deployer: command`: removes a deploy (a preview whose PR closed). Without it, nothing is removed.'),
  install: commandOrOff()
    .prefault('npm ci')
    .describe('Installs dependencies in the checked-out tree; `false` for none.'),
  build: buildSetting()
    .prefault('auto')
    .describe(
      'Builds the app; `auto` runs `npm run build` when package.json has a `build` script, `false` never builds.',
    ),
  start: commandSchema()
    .prefault('npm start')
    .describe('Starts the app (`deployer: process`). It must listen on PORT and keep running.'),
  test: commandOrOff()
    .prefault(false)
    .describe(
      'Tests the deployed app, with its address in TRUNKFLOW_URL; a non-zero exit fails the run. `false`: no tests.',
    ),
  healthPath,
  healthTimeout: durationSchema()
    .prefault('1m')
    .describe('How long a started app has to answer its health path before the deploy fails.'),
  timeout: durationSchema()
    .prefault('10m')
    .describe(
      'The longest any one command (install, build, test, deploy, destroy) may run before it is stopped and fails.',
    ),
  variables,
  secrets,
};

type EnvironmentBase = {
  deployer: DeployerName;
  deploy?: CommandArgs | undefined;
  destroy?: CommandArgs | undefined;
  variables: Record<string, string>;
  secrets: string[];
};

/** What every environment must agree with itself on: the deployer's own keys, and one name per variable. */
function checkEnvironment(env: EnvironmentBase, ctx: z.core.$RefinementCtx<EnvironmentBase>): void {
  if (env.deployer === 'command' && env.deploy === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['deploy'],
      message:
        '`deployer: command` needs `deploy`, the command that deploys and prints TRUNKFLOW_URL=<url>: write e.g. `deploy: npx carlin deploy`',
    });
  }
  if (env.deployer === 'process') {
    for (const key of ['deploy', 'destroy'] as const) {
      if (env[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is used only by \`deployer: command\`: set \`deployer: command\`, or remove \`${key}\``,
        });
      }
    }
  }
  env.secrets.forEach((name, index) => {
    if (Object.hasOwn(env.variables, name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', index],
        message: `\`${name}\` is both a variable and a secret: keep it in one of the two`,
      });
    }
  });
}

const regexSource = z
  .string()
  .superRefine((value, ctx) => {
    try {
      new RegExp(value, 'iu');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid regular expression (${(error as Error).message}); escape special characters with a backslash`,
      });
    }
  })
  .meta({ title: 'regular expression' });

// `result` may be left out (`< 0.05`), but then YAML needs quotes around a condition starting with `>`.
const CONDITION = /^\s*(?:result\s*)?(<=|>=|==|!=|<|>)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;
const CONDITION_HELP = 'write `result`, a comparison and a number, like result < 0.05 (< <= > >= == !=)';

export type ComparisonOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';
/** A threshold over one number, written `result < 0.05`. */
export interface ConditionConfig {
  op: ComparisonOperator;
  value: number;
}

export type ConditionResult = { ok: true; condition: ConditionConfig } | { ok: false; message: string };

export function parseCondition(text: string): ConditionResult {
  const match = CONDITION.exec(text);
  if (match === null) return { ok: false, message: `\`${text}\` is not a condition: ${CONDITION_HELP}` };
  return { ok: true, condition: { op: match[1] as ComparisonOperator, value: Number(match[2]) } };
}

export function formatCondition(condition: ConditionConfig): string {
  return `result ${condition.op} ${condition.value}`;
}

/** Whether `value` meets the condition; NaN meets none but `!=`, as in IEEE comparison. */
export function meetsCondition(condition: ConditionConfig, value: number): boolean {
  switch (condition.op) {
    case '<':
      return value < condition.value;
    case '<=':
      return value <= condition.value;
    case '>':
      return value > condition.value;
    case '>=':
      return value >= condition.value;
    case '==':
      return value === condition.value;
    case '!=':
      return value !== condition.value;
  }
}

const condition = z
  .codec(
    z.string({ error: (issue) => (issue.input === undefined ? undefined : CONDITION_HELP) }),
    z.strictObject({ op: z.enum(['<', '<=', '>', '>=', '==', '!=']), value: z.number() }),
    {
      decode: (text, ctx) => {
        const parsed = parseCondition(text);
        if (parsed.ok) return parsed.condition;
        ctx.issues.push({ code: 'custom', message: parsed.message, input: text });
        return z.NEVER;
      },
      encode: formatCondition,
    },
  )
  .meta({ title: 'condition' });

const jsonPath = z.codec(z.string(), z.array(z.union([z.string(), z.number()])), {
  decode: (text, ctx) => {
    const parsed = parseJsonPath(text);
    if (parsed.ok) return parsed.path;
    ctx.issues.push({ code: 'custom', message: parsed.message, input: text });
    return z.NEVER;
  },
  encode: formatJsonPath,
});

const httpCheck = z
  .strictObject({
    provider: z.literal('http'),
    path: urlPath.optional().describe('The path to request; default: the environment’s `healthPath`.'),
    status: z
      .number()
      .int()
      .min(100)
      .max(599)
      .default(200)
      .describe('The status code a passing answer has; any other fails the measurement.'),
    maxLatency: durationSchema()
      .prefault('5s')
      .describe('A slower answer, or none within this time, fails the measurement.'),
    json: z
      .strictObject({
        path: jsonPath.describe('A JSONPath of member and index steps only, like $.status or $.checks[0].ok.'),
        equals: z
          .union([z.string(), z.number(), z.boolean(), z.null()])
          .describe('The value the answer must hold at `path`.'),
      })
      .optional()
      .describe('Also require the JSON answer to hold a value, like `{ path: $.status, equals: ok }`.'),
  })
  .describe('Requests a path of the deployed app.');

const LIMIT = z.number().int().nonnegative();

const logsCheck = z
  .strictObject({
    provider: z.literal('logs'),
    pattern: regexSource
      .superRefine((value, ctx) => {
        const problem = backtrackingProblem(value);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_ERROR_LINE_PATTERN)
      .describe(
        'A regular expression (case-insensitive) matching an error line of the app’s output (stdout and stderr). One that can backtrack catastrophically, like (a+)+, is refused.',
      ),
    maxPerMinute: LIMIT.default(10).describe(
      'The measurement fails when more lines than this matched in the last minute (0: any error line fails). A minute with no output at all is inconclusive, never a pass.',
    ),
  })
  .describe(
    'Counts error lines per minute in the output of the app the `process` deployer runs (production only, `deployer: process`).',
  );

const PROMETHEUS_URL_HELP = 'write its base address with http:// or https://, like http://127.0.0.1:9090';

const prometheusCheck = z
  .strictObject({
    provider: z.literal('prometheus'),
    url: z
      .url({
        protocol: /^https?$/,
        error: (issue) =>
          issue.input === undefined
            ? `a prometheus check needs \`url\`: ${PROMETHEUS_URL_HELP}`
            : `${JSON.stringify(issue.input)} is not a Prometheus URL: ${PROMETHEUS_URL_HELP}`,
      })
      .describe('The Prometheus server’s base address, like http://127.0.0.1:9090.'),
    query: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'a prometheus check needs `query`, a PromQL query like sum(rate(http_requests_total[1m]))'
            : undefined,
      })
      .min(1)
      .describe('A PromQL instant query; its result is a number or one number per series.'),
    successCondition: condition
      .optional()
      .describe('Passes the measurement when every number of the result meets it, like `result < 0.05`.'),
    failureCondition: condition
      .optional()
      .describe('Fails the measurement when any number of the result meets it, like `result >= 0.05`.'),
  })
  .superRefine((check, ctx) => {
    if (check.successCondition === undefined && check.failureCondition === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['successCondition'],
        message:
          'a prometheus check needs `successCondition` or `failureCondition` (or both), like `successCondition: result < 0.05`',
      });
    }
  })
  .describe('Runs a PromQL query. A result meeting neither condition, or no data, makes the measurement inconclusive.');

const commandCheck = z
  .strictObject({
    provider: z.literal('command'),
    command: commandSchema().describe('Runs in the checked-out tree with TRUNKFLOW_URL set, for at most one interval.'),
    exitCode: z.number().int().min(0).max(255).default(0).describe('The exit code of a passing run.'),
    output: regexSource
      .optional()
      .describe('A regular expression (case-insensitive) the output of a passing run must match.'),
  })
  .describe('Runs a command.');

const CHECK_PROVIDER_LIST = `${CHECK_PROVIDERS.slice(0, -1).join(', ')} or ${CHECK_PROVIDERS[CHECK_PROVIDERS.length - 1]}`;

const check = z.discriminatedUnion('provider', [httpCheck, logsCheck, prometheusCheck, commandCheck], {
  error: (issue) => {
    const provider = isMapping(issue.input) ? (issue.input as { provider?: unknown }).provider : undefined;
    return provider === undefined
      ? `a check needs a \`provider\`: ${CHECK_PROVIDER_LIST}, like { provider: http }`
      : `unknown check provider ${JSON.stringify(provider)}: use ${CHECK_PROVIDER_LIST}`;
  },
});

const monitor = z
  .strictObject({
    duration: durationSchema({ min: 1000 }).prefault('30m').describe('How long production is watched after a deploy.'),
    interval: durationSchema({ min: 1000 })
      .prefault('1m')
      .describe('How often every check is measured; at most the duration.'),
    failureLimit: LIMIT.default(0).describe(
      'Failed measurements tolerated: one more fails the window and rolls back (0: the first failure does).',
    ),
    inconclusiveLimit: LIMIT.default(3).describe(
      'Inconclusive measurements tolerated (no data, or neither condition met): one more ends the window inconclusive, which notifies the people on watch and keeps the release until someone promotes or rolls back. 3 lets a fresh metric have no data for its first intervals.',
    ),
    consecutiveErrorLimit: LIMIT.default(4).describe(
      'Measurements in a row that could not be taken (a check that errs, like an unreachable Prometheus) tolerated: one more ends the window inconclusive.',
    ),
    checks: z
      .array(check)
      .min(1, {
        error: 'is an empty list: list at least one check, or remove `checks` to get the HTTP health check',
      })
      .prefault(() => [{ provider: 'http' as const }])
      .describe('What is measured each interval; default: one `http` check of the health path.'),
  })
  .superRefine((value, ctx) => {
    if (value.interval > value.duration) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: `\`interval\` ${formatDuration(value.interval)} is longer than \`duration\` ${formatDuration(value.duration)}: shorten interval or lengthen duration`,
      });
    }
  })
  .describe('The monitoring window after a production deploy: its verdict keeps the release or rolls it back.');

const preview = z
  .strictObject({
    ...environmentShape,
    ttl: durationSchema({ min: 60_000 })
      .prefault(formatDuration(DEFAULT_PREVIEW_TTL_MS))
      .describe(
        'A preview still up this long after its last deploy is destroyed by the TTL sweep (every 15 minutes), as a run with trigger `ttl`; a push to the PR deploys it again.',
      ),
    drafts: z.boolean().default(false).describe('Also deploy previews of draft PRs.'),
  })
  .superRefine(checkEnvironment)
  .describe('One environment per open PR, at its own URL, destroyed when the PR merges or closes.');

const staging = z
  .strictObject(environmentShape)
  .superRefine(checkEnvironment)
  .describe('Trunk, deployed on every change and tested with `test`; a pass tags the release.');

const production = z
  .strictObject({ ...environmentShape, monitor: monitor.prefault({}) })
  .superRefine(checkEnvironment)
  .superRefine((env, ctx) => {
    env.monitor.checks.forEach((item, index) => {
      if (item.provider === 'logs' && env.deployer !== 'process') {
        ctx.addIssue({
          code: 'custom',
          path: ['monitor', 'checks', index, 'provider'],
          message:
            'a logs check reads the output of the app the `process` deployer runs: use `deployer: process`, or a prometheus or command check',
        });
      }
    });
  })
  // An http check with no path watches the health path, written out so `config validate` shows what is requested.
  .overwrite((env) => ({
    ...env,
    monitor: {
      ...env.monitor,
      checks: env.monitor.checks.map((item) =>
        item.provider === 'http' && item.path === undefined ? { ...item, path: env.healthPath } : item,
      ),
    },
  }))
  .describe('Deployed from each new tag, then watched by the monitoring window.');

export const environmentsSchema = z
  .strictObject({
    preview: preview.optional(),
    staging: staging.optional(),
    production: production.optional(),
  })
  .prefault({})
  .describe(
    'What Trunkflow deploys. Only the environments written here are deployed; `staging: {}` is a Node app with every default.',
  );

export const proxySchema = z
  .strictObject({
    mode: z
      .enum(['host', 'port'], {
        error: (issue) => `unknown proxy mode ${JSON.stringify(issue.input)}: use host or port`,
      })
      .default('host')
      .describe(
        '`host`: each environment at its own host name on the server’s port (pr-<n>.<project>.localhost, staging.<project>.localhost, <project>.localhost); `port`: each on its own loopback port, for clients that cannot set the Host header.',
      ),
  })
  .prefault({})
  .describe('How Trunkflow’s reverse proxy serves the environments the `process` deployer runs.');

export type EnvironmentsConfig = z.output<typeof environmentsSchema>;
export type PreviewEnvironmentConfig = z.output<typeof preview>;
export type StagingEnvironmentConfig = z.output<typeof staging>;
export type ProductionEnvironmentConfig = z.output<typeof production>;
/** Any one environment: the keys every section has are readable without knowing which. */
export type EnvironmentConfig = PreviewEnvironmentConfig | StagingEnvironmentConfig | ProductionEnvironmentConfig;
export type MonitorConfig = z.output<typeof monitor>;
export type CheckConfig = z.output<typeof check>;
export type HttpCheckConfig = z.output<typeof httpCheck>;
export type LogsCheckConfig = z.output<typeof logsCheck>;
export type PrometheusCheckConfig = z.output<typeof prometheusCheck>;
export type CommandCheckConfig = z.output<typeof commandCheck>;
export type ProxyConfig = z.output<typeof proxySchema>;
export type ProxyMode = ProxyConfig['mode'];

/** One command an environment may run, with its key path under the environment (`install`, `monitor.checks.0.command`). */
export interface EnvironmentCommand {
  key: string;
  args: CommandArgs;
}

/**
 * Every command `env` would run with its deployer, for checks that need the machine (is the program there?).
 * `build: auto` is listed as `npm run build`, which the deployer runs only when package.json has the script.
 */
export function environmentCommands(env: EnvironmentConfig): EnvironmentCommand[] {
  const commands: EnvironmentCommand[] = [];
  const add = (key: string, value: CommandArgs | false | 'auto' | undefined) => {
    if (Array.isArray(value)) commands.push({ key, args: value });
  };
  add('install', env.install);
  add('build', env.build === 'auto' ? ['npm', 'run', 'build'] : env.build);
  if (env.deployer === 'process') add('start', env.start);
  else {
    add('deploy', env.deploy);
    add('destroy', env.destroy);
  }
  add('test', env.test);
  if ('monitor' in env) {
    env.monitor.checks.forEach((item, index) => {
      if (item.provider === 'command') add(`monitor.checks.${index}.command`, item.command);
    });
  }
  return commands;
}
