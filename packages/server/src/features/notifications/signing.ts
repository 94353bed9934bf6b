// Webhook signatures: HMAC-SHA256 over "<timestamp>.<raw body>", so a receiver can check who sent a delivery and when.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-trunkflow-timestamp';
export const SIGNATURE_HEADER = 'x-trunkflow-signature';
/** How old (or how far ahead) a timestamp a receiver should accept: five minutes. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<raw body>"). */
export function signatureOf(secret: string, timestamp: string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return `sha256=${hmac.digest('hex')}`;
}

/** The two headers a delivery sent at `now` carries. */
export function signDelivery(secret: string, rawBody: string, now: Date): { timestamp: string; signature: string } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { timestamp, signature: signatureOf(secret, timestamp, rawBody) };
}

export interface Verification {
  secret: string;
  rawBody: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  now: Date;
  toleranceSeconds?: number;
}

/**
 * What a receiver does: the timestamp is recent, and the signature is the one for that timestamp
 * and these exact bytes. A replay after the tolerance fails on the timestamp; a replay with a new
 * timestamp fails on the signature, since the timestamp is part of what is signed.
 */
export function verifyDelivery(check: Verification): { ok: true } | { ok: false; reason: string } {
  const tolerance = check.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (check.timestamp === undefined || !/^[0-9]{1,12}$/.test(check.timestamp)) {
    return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  }
  const age = Math.floor(check.now.getTime() / 1000) - Number(check.timestamp);
  if (Math.abs(age) > tolerance) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} is ${age} s from now, beyond ${tolerance} s` };
  }
  if (check.signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(check.signature)) {
    return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER}` };
  }
  const expected = Buffer.from(signatureOf(check.secret, check.timestamp, check.rawBody));
  if (!timingSafeEqual(expected, Buffer.from(check.signature))) {
    return { ok: false, reason: 'the signature does not match the body and timestamp' };
  }
  return { ok: true };
}
