import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { durationSchema, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2h0m5s', 7_205_000],
    ['14d', 1_209_600_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1s500ms', 1500],
    ['0s', 0],
    [' 5m ', 300_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([['30x'], [''], ['30'], ['m'], ['1.5h'], ['-5m'], ['30m1h'], ['5m5m'], ['5 m'], ['1H'], ['5mss']])(
    'refuses %j, saying how to write one',
    (text) => {
      expect(parseDuration(text)).toEqual({
        ok: false,
        message: `\`${text}\` is not a duration: use a whole number with s, m or h (also d, or ms), like 30m, 10s or 1h30m`,
      });
    },
  );

  it('refuses a duration too long to count in ms exactly', () => {
    const parsed = parseDuration('99999999999999d');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.message).toMatch(/^`99999999999999d` is too long a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [1_800_000, '30m'],
    [5_400_000, '1h30m'],
    [1_209_600_000, '14d'],
    [86_400_000 + 1, '1d1ms'],
  ])('writes %i ms as %j, which reads back the same', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([[-1], [1.5], [Number.NaN]])('refuses %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});

describe('durationSchema', () => {
  const schema = z.object({ every: durationSchema({ min: 1000 }).prefault('1m') });

  it('parses text to ms, fills its default, and encodes back to text', () => {
    expect(schema.parse({ every: '90s' })).toEqual({ every: 90_000 });
    expect(schema.parse({})).toEqual({ every: 60_000 });
    expect(z.encode(schema, { every: 90_000 })).toEqual({ every: '1m30s' });
  });

  it.each([
    [30, '30 has no unit: write 30s, 30m or 30h'],
    [true, 'expected a duration, like 30m or 10s'],
    ['30x', '`30x` is not a duration: use a whole number with s, m or h (also d, or ms), like 30m, 10s or 1h30m'],
    ['500ms', '`500ms` is shorter than 1s: write at least 1s'],
  ])('refuses %j with %j', (every, message) => {
    const result = schema.safeParse({ every });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('refuses zero unless the minimum allows it', () => {
    expect(durationSchema().safeParse('0s').error?.issues[0]?.message).toBe(
      '`0s` is zero: a duration must be longer, like 1m',
    );
    expect(durationSchema({ min: 0 }).parse('0s')).toBe(0);
  });

  it('describes itself as a duration in the JSON Schema, with its default as text', () => {
    expect(z.toJSONSchema(schema, { io: 'input' }).properties?.every).toMatchObject({
      type: 'string',
      title: 'duration',
      default: '1m',
    });
  });
});
