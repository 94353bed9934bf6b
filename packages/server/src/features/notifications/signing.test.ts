// Webhook signatures, as a table: a fresh, untouched delivery verifies; a changed body, another secret, an old or replayed timestamp do not.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureOf, signDelivery, verifyDelivery } from './signing.js';

const secret = 'tfwh_test_secret_0123456789';
const body = '{"id":"trunkflow-job-1","type":"release.failed"}';
const sentAt = new Date('2026-03-01T12:00:00.000Z');

describe('webhook signatures', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<raw body>", with the timestamp in Unix seconds', () => {
    const { timestamp, signature } = signDelivery(secret, body, sentAt);
    expect(timestamp).toBe('1772366400');
    // Computed here the way a receiver in any language would, from the documented recipe.
    const expected = createHmac('sha256', secret).update(`1772366400.${body}`).digest('hex');
    expect(signature).toBe(`sha256=${expected}`);
    expect(signatureOf(secret, timestamp, Buffer.from(body))).toBe(signature);
  });

  const signed = signDelivery(secret, body, sentAt);
  const later = (seconds: number) => new Date(sentAt.getTime() + seconds * 1000);

  it.each<[string, Parameters<typeof verifyDelivery>[0], string | null]>([
    ['the delivery as sent', { secret, rawBody: body, ...signed, now: later(2) }, null],
    ['a delivery 5 minutes old, at the tolerance', { secret, rawBody: body, ...signed, now: later(300) }, null],
    ['a replay 6 minutes later', { secret, rawBody: body, ...signed, now: later(360) }, 'beyond 300 s'],
    ['a timestamp from the future', { secret, rawBody: body, ...signed, now: later(-400) }, 'beyond 300 s'],
    [
      'a replay whose timestamp was moved up to now',
      {
        secret,
        rawBody: body,
        signature: signed.signature,
        timestamp: String(Number(signed.timestamp) + 360),
        now: later(360),
      },
      'does not match',
    ],
    [
      'a changed body',
      { secret, rawBody: body.replace('failed', 'passed'), ...signed, now: later(1) },
      'does not match',
    ],
    ['another secret', { secret: `${secret}x`, rawBody: body, ...signed, now: later(1) }, 'does not match'],
    [
      'no timestamp',
      { secret, rawBody: body, signature: signed.signature, timestamp: undefined, now: later(1) },
      'missing or malformed x-trunkflow-timestamp',
    ],
    [
      'a timestamp with a sign',
      { secret, rawBody: body, signature: signed.signature, timestamp: `+${signed.timestamp}`, now: later(1) },
      'malformed',
    ],
    [
      'an upper-case signature',
      { secret, rawBody: body, timestamp: signed.timestamp, signature: signed.signature.toUpperCase(), now: later(1) },
      'malformed x-trunkflow-signature',
    ],
  ])('%s', (_case, check, failure) => {
    const result = verifyDelivery(check);
    if (failure === null) expect(result).toEqual({ ok: true });
    else expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(failure) });
  });
});
