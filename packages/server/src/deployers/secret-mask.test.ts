// Masking secrets in step output: exact occurrences become ***, longest first, and a multi-line secret line by line.
import { describe, expect, it } from 'vitest';
import { maskedSink, SecretMask } from './output-lines.js';
import type { LogStream } from './types.js';

describe('SecretMask', () => {
  it.each([
    ['token=sk_live_123 and again sk_live_123', { A: 'sk_live_123' }, 'token=*** and again ***'],
    // The longer secret is masked whole, not as *** plus its tail.
    ['key sk_live_123456', { A: 'sk_live_123', B: 'sk_live_123456' }, 'key ***'],
    // Shorter than 4 characters: never a secret value (the server refuses those), so left alone.
    ['on and on', { A: 'on' }, 'on and on'],
    ['-----BEGIN KEY-----', { PEM: '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----' }, '***'],
    ['MIIBOgIBAAJBAK', { PEM: '-----BEGIN KEY-----\r\nMIIBOgIBAAJBAK\r\n-----END KEY-----' }, '***'],
    ['nothing secret here', { A: 'sk_live_123' }, 'nothing secret here'],
  ])('masks %j with %j', (line, secrets, masked) => {
    expect(new SecretMask(secrets).apply(line)).toBe(masked);
  });

  it('masks what a sink passes on', () => {
    const seen: [LogStream, string][] = [];
    const sink = maskedSink((stream, line) => seen.push([stream, line]), new SecretMask({ A: 'hunter22' }));
    sink('stdout', 'password is hunter22', new Date());
    expect(seen).toEqual([['stdout', 'password is ***']]);
  });
});
