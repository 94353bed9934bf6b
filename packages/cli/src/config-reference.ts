// Renders the configuration reference (docs/configuration.md) from the trunkflow.yml JSON Schema.
import { configJsonSchema, RULES } from '@trunkflow/core';

interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  minimum?: number;
  exclusiveMinimum?: number;
}

function typeOf(node: SchemaNode): string {
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

export function configReference(): string {
  const schema = configJsonSchema() as SchemaNode;
  const { rules, ...top } = schema.properties ?? {};
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
  return `${out.join('\n').trimEnd()}\n`;
}
