// A new target's checks, as a table: what is accepted, and what each refusal tells the user to do.
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_EVENTS } from './event-types.js';
import { checkEvents, checkNewTarget, type NewTargetInput, redactUrl } from './targets.js';

describe('checkNewTarget', () => {
  it.each<[string, NewTargetInput, Partial<ReturnType<typeof checkNewTarget>>]>([
    [
      'a Slack webhook, named after its kind, for every event',
      { kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' },
      {
        name: 'slack',
        secret: null,
        events: [...NOTIFICATION_EVENTS],
        url: 'https://hooks.slack.com/services/T0/B0/xyz',
      },
    ],
    [
      'a webhook on loopback over http, with its events in the catalog order, once each',
      {
        kind: 'webhook',
        url: ' http://127.0.0.1:9000/hook ',
        name: 'ops',
        events: ['release.failed', 'deploy.failed', 'release.failed'],
      },
      { name: 'ops', url: 'http://127.0.0.1:9000/hook', events: ['deploy.failed', 'release.failed'] },
    ],
    [
      'a webhook with its own secret',
      { kind: 'webhook', url: 'https://example.test/h', secret: 'my-own-secret-0123' },
      { secret: 'my-own-secret-0123' },
    ],
  ])('accepts %s', (_case, input, expected) => {
    expect(checkNewTarget(input)).toMatchObject(expected);
  });

  it('makes a webhook secret when none is given: 32 random bytes, different each time', () => {
    const a = checkNewTarget({ kind: 'webhook', url: 'https://example.test/h' }).secret;
    const b = checkNewTarget({ kind: 'webhook', url: 'https://example.test/h' }).secret;
    expect(a).toMatch(/^tfwh_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it.each<[string, NewTargetInput, string]>([
    ['a file URL', { kind: 'webhook', url: 'file:///etc/passwd' }, 'must start with http:// or https://, not file://'],
    ['an ftp URL', { kind: 'slack', url: 'ftp://example.test/x' }, 'must start with http:// or https://'],
    [
      'no URL at all',
      { kind: 'slack', url: 'hooks.slack.com/services/x' },
      'is not a URL: give a full one such as https://hooks.slack.com/services/',
    ],
    ['a URL with a password', { kind: 'webhook', url: 'https://u:p@example.test/h' }, 'holds a user name or password'],
    [
      'a URL with a fragment',
      { kind: 'webhook', url: 'https://example.test/h#x' },
      'has a #fragment, which is never sent',
    ],
    [
      'a very long URL',
      { kind: 'webhook', url: `https://example.test/${'a'.repeat(3000)}` },
      'use one of at most 2048',
    ],
    [
      'a name with capitals',
      { kind: 'slack', url: 'https://x.test/', name: 'Team Chat' },
      'target name "Team Chat" is not valid: use 1 to 63 lowercase',
    ],
    [
      'a secret for Slack',
      { kind: 'slack', url: 'https://x.test/', secret: '0123456789abcdef' },
      'a Slack target takes no signing secret',
    ],
    [
      'a short secret',
      { kind: 'webhook', url: 'https://x.test/', secret: 'short' },
      'must be 16 to 256 printable ASCII characters',
    ],
    [
      'a secret with a space',
      { kind: 'webhook', url: 'https://x.test/', secret: 'has a space inside it' },
      'without spaces',
    ],
    [
      'an unknown event',
      { kind: 'slack', url: 'https://x.test/', events: ['deploy.ok'] },
      'unknown notification event "deploy.ok": use any of deploy.succeeded',
    ],
    [
      'an empty event list',
      { kind: 'slack', url: 'https://x.test/', events: [] },
      'name at least one event, or leave the list out',
    ],
  ])('refuses %s, saying how to fix it', (_case, input, message) => {
    expect(() => checkNewTarget(input)).toThrow(message);
  });

  it('never repeats the URL it refuses in full: its path may be the secret', () => {
    expect(() => checkNewTarget({ kind: 'slack', url: 'not a url/T0/B0/secret-part' })).toThrow(/^(?!.*secret-part)/);
  });

  it('names every unknown event at once', () => {
    expect(() => checkEvents(['a', 'deploy.failed', 'b'])).toThrow('unknown notification events "a", "b"');
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T0/B0/secret', 'https://hooks.slack.com/…'],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000/'],
    ['https://example.test/?token=abc', 'https://example.test/…'],
    ['nonsense', '(not a URL)'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
