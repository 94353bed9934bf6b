// Renders the configuration reference (docs/configuration.md) from the trunkflow.yml JSON Schema.
import { configJsonSchema, RULES } from '@trunkflow/core';

interface SchemaNode {
  type?: string | string[];
  title?: string;
  format?: string;
  enum?: unknown[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  minimum?: number;
  exclusiveMinimum?: number;
}

function typeOf(node: SchemaNode): string {
  // Durations, commands and conditions name themselves: their JSON type (text) says less than their notation.
  if (node.title !== undefined) return node.title;
  if (node.format === 'uri') return 'URL';
  if (node.enum !== undefined) return node.enum.map((value) => `\`${String(value)}\``).join(' or ');
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    return `mapping of names to ${typeOf(node.additionalProperties)}`;
  }
  if (node.type === 'array' && node.items?.oneOf !== undefined) return 'list of checks';
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (node.type === 'integer') return 'whole number';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

function shown(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value) && value.length > 6) return `${value.length} entries (see \`trunkflow config schema\`)`;
  return codeSpan(JSON.stringify(value).replaceAll('|', '\\|'));
}

/** A code span that survives backticks inside it: its fence is longer than any backtick run in the text. */
function codeSpan(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function table(properties: Record<string, SchemaNode>): string[] {
  const rows = Object.entries(properties).map(
    ([key, node]) =>
      `| \`${key}\` | ${typeOf(node)} | ${shown(node.default)} | ${(node.description ?? '').replaceAll('|', '\\|')} |`,
  );
  return ['| Key | Type | Default | Meaning |', '| --- | --- | --- | --- |', ...rows];
}

/** The example in the reference; a test loads it, so it stays a valid file. */
export const ENVIRONMENTS_EXAMPLE = `environments:
  preview:
    ttl: 3d
  staging:
    test: npm run test:e2e             # against the deploy: its URL is in TRUNKFLOW_URL
    variables: { LOG_LEVEL: debug }
  production:
    secrets: [STRIPE_KEY]              # names only: trunkflow env secret set production STRIPE_KEY
    monitor:
      duration: 30m
      interval: 1m
      checks:
        - { provider: http, path: /healthz, maxLatency: 2s }
        - provider: prometheus
          url: http://127.0.0.1:9090
          query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
          successCondition: result < 0.01
          failureCondition: result >= 0.05
`;

/** The command deployer, in the reference: any tool that deploys and prints the URL. */
export const COMMAND_DEPLOYER_EXAMPLE = `environments:
  staging:
    deployer: command
    install: false
    build: false
    deploy: npx carlin deploy --stage staging
`;

function environmentsReference(environments: SchemaNode | undefined, proxy: SchemaNode | undefined): string[] {
  const sections = environments?.properties ?? {};
  const common = sections.staging?.properties ?? {};
  const own = (node: SchemaNode | undefined) =>
    Object.fromEntries(Object.entries(node?.properties ?? {}).filter(([key]) => !(key in common)));
  const production = sections.production?.properties ?? {};
  const { monitor } = production;
  const checks = monitor?.properties?.checks?.items?.oneOf ?? [];
  const out: string[] = [
    '## Environments',
    '',
    'The `environments` section says what Trunkflow deploys: `preview` (one per pull request), `staging`',
    '(trunk, on every change) and `production` (each new tag, then watched). Only the environments written',
    'here are deployed, and `staging: {}` is a Node app with every default: `npm ci`, `npm run build` when',
    'package.json has a `build` script, then `npm start` listening on `PORT`, healthy once `/healthz` answers.',
    '',
    '```yaml',
    ENVIRONMENTS_EXAMPLE.trimEnd(),
    '```',
    '',
    '- **Commands** are an argument list (`[node, server.js]`) or one line split into one (`node server.js`,',
    '  with `\'…\'`, `"…"` and `\\` quoting). They never go through a shell, so a line with a shell operator',
    '  (`|`, `>`, `&&`, `;`), a `$VARIABLE`, a glob or a comment is refused: put shell work in a script file.',
    '  Each runs in the checked-out tree, stopped after `timeout`.',
    '- **Durations** are whole numbers with a unit: `s`, `m` or `h`, also `d` and `ms`, combined largest',
    '  first (`10s`, `30m`, `1h30m`, `14d`, `500ms`).',
    '- **Secrets** are listed by name only, never with values: a maintainer sets each value on the server',
    '  (`trunkflow env secret set <env> <NAME> --project <p>`, the value on standard input). Every secret set',
    '  for an environment reaches its commands as an environment variable, masked as `***` in their output;',
    '  a run whose list names one with no value fails at checkout. A preview gets only `preview` secrets.',
    "- `trunkflow config validate` also checks that each command's program is on PATH, or a file in the",
    '  repository when written as a path (`./scripts/smoke.sh`).',
    '',
    'The `command` deployer runs your own tool instead of starting the app here:',
    '',
    '```yaml',
    COMMAND_DEPLOYER_EXAMPLE.trimEnd(),
    '```',
    '',
    '### Every environment',
    '',
    ...table(common),
    '',
    '### `environments.preview`',
    '',
    sections.preview?.description ?? '',
    '',
    ...table(own(sections.preview)),
    '',
    '### `environments.staging`',
    '',
    sections.staging?.description ?? '',
    '',
    '### `environments.production`',
    '',
    sections.production?.description ?? '',
    '',
    ...table(own(sections.production)),
    '',
    '### `environments.production.monitor`',
    '',
    'Each `interval`, every check takes one measurement: passed, failed, inconclusive, or an error when it',
    'could not be taken. No data is inconclusive, never a pass. A failed window rolls back to the last',
    'production release that passed its own.',
    '',
    ...table(monitor?.properties ?? {}),
    '',
  ];
  for (const check of checks) {
    const { provider, ...keys } = check.properties ?? {};
    const name = (provider as { const?: unknown } | undefined)?.const;
    out.push(`#### \`provider: ${String(name)}\``, '', check.description ?? '', '', ...table(keys), '');
  }
  out.push('## Proxy', '', proxy?.description ?? '', '', ...table(proxy?.properties ?? {}), '');
  return out;
}

export function configReference(): string {
  const schema = configJsonSchema() as SchemaNode;
  const { rules, environments, proxy, ...top } = schema.properties ?? {};
  const out: string[] = [
    '# Configuration reference: `trunkflow.yml`',
    '',
    '<!-- Generated from the zod schema by `trunkflow config docs`; a test fails when it is stale. -->',
    '',
    'Trunkflow reads `trunkflow.yml` at the repository root (or `--config <path>`). Every key is optional.',
    'Unknown keys and rule ids are errors that name the key. `trunkflow config schema` prints the JSON Schema',
    'for editors; `trunkflow config validate` prints a file with every default filled in.',
    '',
    '## Top level',
    '',
    ...table(top),
    '',
    '## Rules',
    '',
    'Each rule has `enabled` (default `true`); a disabled rule reports `skip`.',
    '',
  ];
  for (const rule of RULES) {
    const node = rules?.properties?.[rule.id];
    if (node?.properties === undefined) continue;
    const { enabled: _enabled, ...keys } = node.properties;
    out.push(`### \`${rule.id}\``, '', rule.summary, '');
    if (Object.keys(keys).length > 0) out.push(...table(keys), '');
  }
  out.push(...environmentsReference(environments, proxy));
  return `${out.join('\n').trimEnd()}\n`;
}
