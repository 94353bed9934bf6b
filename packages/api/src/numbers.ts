// Strict decimal integers for path, query and header values: `1e3`, `0x10`, ` 1` are refused, not read as numbers.
import * as z from 'zod';

const POSITIVE = /^[1-9][0-9]*$/;
const NON_NEGATIVE = /^(0|[1-9][0-9]*)$/;

function decimal(pattern: RegExp, what: string) {
  return z
    .string()
    .regex(pattern, `must be ${what} written in decimal digits only (like 12): no sign, spaces, exponent or 0x`)
    .transform(Number)
    .refine(Number.isSafeInteger, { message: `must be at most ${Number.MAX_SAFE_INTEGER}` });
}

/** A PR number, a page size: 1, 2, 3 … Every route that takes a number in its URL uses this. */
export const positiveIntegerParam = decimal(POSITIVE, 'a positive whole number');

/** An event id to resume after, or an offset: 0, 1, 2 … */
export const nonNegativeIntegerParam = decimal(NON_NEGATIVE, 'a whole number (0 or more)');
