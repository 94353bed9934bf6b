// A safe subset of JSONPath (RFC 9535): `$`, then member names and array indexes only, like `$.checks[0].status`.
//
// Full JSONPath libraries also evaluate filters and scripts; a health check's condition needs one value, and a
// path from a repository's trunkflow.yml should never be able to run code on the server.

/** The steps of a path: a string is an object member, a number an array index. */
export type JsonPath = (string | number)[];

export type JsonPathResult = { ok: true; path: JsonPath } | { ok: false; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const INDEX = /^\[(0|[1-9][0-9]*)\]/;
const QUOTED = /^\[(['"])((?:\\.|(?!\1)[^\\])*)\1\]/;
const HOW = "write `$` then `.name`, `['any name']` or `[index]` steps, like $.status or $.checks[0].ok";

/** Parses `$.a.b[0]['c d']` into its steps, or says how to write it. */
export function parseJsonPath(text: string): JsonPathResult {
  if (!text.startsWith('$')) return { ok: false, message: `\`${text}\` does not start with $: ${HOW}` };
  const path: JsonPath = [];
  let rest = text.slice(1);
  while (rest !== '') {
    const name = rest.startsWith('.') ? NAME.exec(rest.slice(1)) : null;
    if (name !== null) {
      path.push(name[0]);
      rest = rest.slice(1 + name[0].length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index !== null) {
      path.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = QUOTED.exec(rest);
    if (quoted !== null) {
      path.push((quoted[2] ?? '').replace(/\\(.)/g, '$1'));
      rest = rest.slice(quoted[0].length);
      continue;
    }
    return { ok: false, message: `\`${text}\` is not a supported JSONPath at \`${rest}\`: ${HOW}` };
  }
  return { ok: true, path };
}

/** The text `parseJsonPath` reads back as `path`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let text = '$';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else if (NAME.exec(step)?.[0] === step) text += `.${step}`;
    else text += `['${step.replace(/[\\']/g, '\\$&')}']`;
  }
  return text;
}

export type JsonPathSelection = { found: true; value: unknown } | { found: false };

/** The value at `path` in parsed JSON; only own members of plain objects and indexes of arrays are followed. */
export function selectJsonPath(value: unknown, path: readonly (string | number)[]): JsonPathSelection {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}
