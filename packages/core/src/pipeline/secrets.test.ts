// The secret rules that trunkflow.yml, the server and the CLI share: tables of names and values in, problems out.
import { describe, expect, it } from 'vitest';
import { SECRET_NAME_MAX, secretNameProblem } from './environments.js';
import { SECRET_VALUE_MAX_BYTES, SECRET_VALUE_MIN_CHARS, secretValueProblem } from './secret-values.js';

describe('secretNameProblem', () => {
  it.each([
    ['STRIPE_KEY', null],
    ['_PRIVATE', null],
    ['A1_B2', null],
    ['HOST', null],
    ['X'.repeat(SECRET_NAME_MAX), null],
    ['stripe_key', 'is not a secret name'],
    ['1KEY', 'is not a secret name'],
    ['API-KEY', 'is not a secret name'],
    ['', 'is not a secret name'],
    ['KEY\n', 'is not a secret name'],
    ['PORT', 'is set by Trunkflow on every deploy'],
    ['TRUNKFLOW_TOKEN', 'is set by Trunkflow on every deploy'],
    ['X'.repeat(SECRET_NAME_MAX + 1), `use at most ${SECRET_NAME_MAX}`],
  ])('%j → %s', (name, problem) => {
    const found = secretNameProblem(name);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('secretValueProblem', () => {
  it.each([
    ['sk_live_123', null],
    ['abcd', null],
    ['é'.repeat(SECRET_VALUE_MAX_BYTES / 2), null],
    ['-----BEGIN KEY-----\nline\n-----END KEY-----', null],
    ['', 'is empty'],
    ['abc', `shorter than ${SECRET_VALUE_MIN_CHARS} characters`],
    ['x'.repeat(SECRET_VALUE_MAX_BYTES + 1), `at most ${SECRET_VALUE_MAX_BYTES} bytes`],
    // Counted in bytes, not characters: two bytes each in UTF-8.
    ['é'.repeat(SECRET_VALUE_MAX_BYTES / 2 + 1), `at most ${SECRET_VALUE_MAX_BYTES} bytes`],
    ['abcd\0efgh', 'NUL character'],
  ])('%j → %s', (value, problem) => {
    const found = secretValueProblem(value);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('the value size, in UTF-8 bytes', () => {
  it.each([
    ['a', 1],
    ['é', 2],
    ['€', 3],
    ['𝄞', 4],
  ])('counts %s as %i byte(s), as Node’s Buffer does', (character, size) => {
    expect(Buffer.byteLength(character, 'utf8')).toBe(size);
    const fits = character.repeat(Math.floor(SECRET_VALUE_MAX_BYTES / size));
    expect(secretValueProblem(fits)).toBeNull();
    expect(secretValueProblem(fits + character)).toContain(`is ${Buffer.byteLength(fits + character)} bytes`);
  });
});
