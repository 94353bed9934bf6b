// Durations as trunkflow.yml writes them (`30m`, `10s`, `1h30m`, `14d`, `500ms`) and the milliseconds the code uses.
import * as z from 'zod';

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

// Largest unit first, each at most once, so `1h30m` reads one way and `30m1h` is refused rather than guessed at.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const HOW = 'use a whole number with s, m or h (also d, or ms), like 30m, 10s or 1h30m';

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/** Reads `30m`, `1h30m`, `14d` or `500ms` into milliseconds, or says how to write it. */
export function parseDuration(text: string): DurationResult {
  const match = DURATION.exec(text.trim());
  if (text.trim() === '' || match === null) return { ok: false, message: `\`${text}\` is not a duration: ${HOW}` };
  let ms = 0;
  UNITS.forEach(([, size], index) => {
    const amount = match[index + 1];
    if (amount !== undefined) ms += Number(amount) * size;
  });
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `\`${text}\` is too long a duration: ${HOW}` };
  return { ok: true, ms };
}

/** The shortest text `parseDuration` reads back as `ms`: 5_400_000 → `1h30m`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`${ms} is not a whole, non-negative number of ms`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}

export interface DurationOptions {
  /** The shortest duration allowed, in ms; 0 allows `0s`. Default 1 ms, so a duration is never zero. */
  min?: number;
}

/**
 * A zod codec for one duration setting: text in the file, milliseconds once parsed, and text again on
 * `z.encode` (so `trunkflow config validate` prints `30m`, not 1800000).
 */
export function durationSchema(options: DurationOptions = {}) {
  const min = options.min ?? 1;
  const text = z.string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `${issue.input} has no unit: write ${issue.input}s, ${issue.input}m or ${issue.input}h`
        : issue.input === undefined || issue.input === null
          ? undefined
          : `expected a duration, like 30m or 10s`,
  });
  return z
    .codec(text, z.number().int().nonnegative(), {
      decode: (value, ctx) => {
        const parsed = parseDuration(value);
        if (!parsed.ok) {
          ctx.issues.push({ code: 'custom', message: parsed.message, input: value });
          return z.NEVER;
        }
        if (parsed.ms < min) {
          const message =
            min === 1
              ? `\`${value}\` is zero: a duration must be longer, like 1m`
              : `\`${value}\` is shorter than ${formatDuration(min)}: write at least ${formatDuration(min)}`;
          ctx.issues.push({ code: 'custom', message, input: value });
          return z.NEVER;
        }
        return parsed.ms;
      },
      encode: (ms) => formatDuration(ms),
    })
    .meta({ title: 'duration' });
}
