// The limits on an environment secret's value, shared by the server (the last word) and the CLI (an early, local answer).

/** A value's size in UTF-8: large enough for a PEM key or a certificate chain, small beside an environment's limit. */
export const SECRET_VALUE_MAX_BYTES = 16_384;
/**
 * Step output is masked by exact match: a shorter value would mask ordinary words ("on", "1")
 * everywhere, so it is not masked, and so it is refused.
 */
export const SECRET_VALUE_MIN_CHARS = 4;
/** Every secret of an environment goes into each command's environment, which the OS limits (about 2 MB on Linux). */
export const SECRETS_PER_ENVIRONMENT_MAX = 50;

/** Why `value` cannot be stored as a secret, or null. */
export function secretValueProblem(value: string): string | null {
  if (value.length === 0) return 'the value is empty: give the secret a value (or remove the secret)';
  const bytes = utf8Length(value);
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    return `the value is ${bytes} bytes: a secret's value is at most ${SECRET_VALUE_MAX_BYTES} bytes (16 KiB); keep a larger file elsewhere and store what reaches it`;
  }
  if (value.length < SECRET_VALUE_MIN_CHARS) {
    return `the value is shorter than ${SECRET_VALUE_MIN_CHARS} characters: it could not be masked in step output without masking ordinary words; use a longer value, or a variable in trunkflow.yml if it is not secret`;
  }
  if (value.includes('\0'))
    return 'the value contains a NUL character, which no environment variable can hold: remove it';
  return null;
}

/** The length of `value` in UTF-8 (core has no TextEncoder: it runs without Node's or the DOM's types). */
function utf8Length(value: string): number {
  let bytes = 0;
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
