// Finds feature-flag references in changed lines and checks them against a flagd registry.

export interface FlagReference {
  flag: string;
  path: string;
  text: string;
}

/** `FEATURE_NEW_CHECKOUT` names the flag `new-checkout`. */
export function envSuffixToFlag(suffix: string): string {
  return suffix.toLowerCase().replaceAll('_', '-');
}

export function compileFlagPatterns(patterns: readonly string[]): RegExp[] {
  // 'm' keeps ^ and $ meaning line start and end, since patterns run over joined lines.
  return patterns.map((pattern) => new RegExp(pattern, 'gmu'));
}

/**
 * Finds references in a file's changed lines. Each pattern runs once over the joined lines
 * rather than once per line: a 1,000-file change has tens of thousands of lines.
 */
export function findFlagReferences(
  path: string,
  lines: readonly string[],
  patterns: readonly RegExp[],
): FlagReference[] {
  if (lines.length === 0) return [];
  const text = lines.join('\n');
  const lineStarts: number[] = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineAt = (offset: number): string => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return lines[low] ?? '';
  };
  const found: { offset: number; reference: FlagReference }[] = [];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const groups = match.groups ?? {};
      const flag = groups.flag ?? (groups.env === undefined ? match[1] : envSuffixToFlag(groups.env));
      if (flag) found.push({ offset: match.index, reference: { flag, path, text: lineAt(match.index).trim() } });
    }
  }
  // Keep the order a per-line scan would give: by line, then by pattern.
  return found.sort((a, b) => a.offset - b.offset).map((entry) => entry.reference);
}

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isKebabCase(flag: string): boolean {
  return KEBAB_CASE.test(flag);
}

/** A flagd flag definition that is off until someone turns it on, as a new flag should start. */
export function disabledFlagDefinition(): Record<string, unknown> {
  return { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
}

/** `"key": {…}`, the entry to add under a flags file's "flags" object. */
export function flagEntryExample(key: string): string {
  return `${JSON.stringify(key)}: ${JSON.stringify(disabledFlagDefinition())}`;
}

export type RegistryResult = { ok: true; flags: Set<string> } | { ok: false; message: string };

/** Reads the flag keys of a flagd flag-definition file (`{ "flags": { "<key>": {...} } }`). */
export function readFlagRegistry(content: string): RegistryResult {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    return { ok: false, message: `is not valid JSON (${(error as Error).message})` };
  }
  if (typeof document !== 'object' || document === null || !('flags' in document)) {
    return {
      ok: false,
      message: 'has no top-level "flags" object (flagd format: { "flags": { "my-flag": { ... } } })',
    };
  }
  const flags = (document as { flags: unknown }).flags;
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
    return { ok: false, message: '"flags" must be an object keyed by flag name' };
  }
  return { ok: true, flags: new Set(Object.keys(flags)) };
}
