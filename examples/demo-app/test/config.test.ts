// Tests how the environment and the BROKEN marker become settings, including the only-in-production rule.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, markerMode, parseConfig, readBrokenMarker } from '../src/config.js';

describe('parseConfig', () => {
  it('defaults to port 3000, a 5 s break delay and nothing set', () => {
    expect(parseConfig({}, undefined)).toEqual({
      port: 3000,
      host: undefined,
      env: null,
      sha: null,
      version: null,
      breakMode: 'off',
      breakAfterMs: 5000,
    });
  });

  it('reads the variables the deployer sets', () => {
    const config = parseConfig(
      {
        PORT: '4100',
        HOST: '127.0.0.1',
        TRUNKFLOW_ENV: 'production',
        TRUNKFLOW_SHA: 'abc123',
        TRUNKFLOW_VERSION: 'v0.0.1',
        DEMO_BREAK_AFTER_MS: '250',
      },
      undefined,
    );
    expect(config).toEqual({
      port: 4100,
      host: '127.0.0.1',
      env: 'production',
      sha: 'abc123',
      version: 'v0.0.1',
      breakMode: 'off',
      breakAfterMs: 250,
    });
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', TRUNKFLOW_ENV: ' ', TRUNKFLOW_VERSION: '' }, undefined)).toMatchObject({
      port: 3000,
      env: null,
      version: null,
    });
  });

  it.each([
    { env: 'production', marker: '', mode: 'all' },
    { env: 'production', marker: 'pages\n', mode: 'pages' },
    { env: 'production', marker: 'anything else', mode: 'all' },
    { env: 'production', marker: undefined, mode: 'off' },
    { env: 'staging', marker: '', mode: 'off' },
    { env: 'preview', marker: 'pages', mode: 'off' },
    { env: undefined, marker: '', mode: 'off' },
  ])('breaks as $mode in $env with marker $marker', ({ env, marker, mode }) => {
    expect(parseConfig({ TRUNKFLOW_ENV: env }, marker).breakMode).toBe(mode);
  });

  it.each([
    { name: 'PORT', value: 'http', message: 'PORT=http is not a whole number from 0 to 65535: set it to e.g. 3000' },
    { name: 'PORT', value: '70000', message: 'PORT=70000 is not a whole number from 0 to 65535' },
    { name: 'DEMO_BREAK_AFTER_MS', value: '-5', message: 'DEMO_BREAK_AFTER_MS=-5 is not a whole number' },
    { name: 'DEMO_BREAK_AFTER_MS', value: '1.5', message: 'DEMO_BREAK_AFTER_MS=1.5 is not a whole number' },
  ])('rejects $name=$value with a fix', ({ name, value, message }) => {
    expect(() => parseConfig({ [name]: value }, undefined)).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value }, undefined)).toThrow(message);
  });
});

describe('markerMode', () => {
  it.each([
    { content: '', mode: 'all' },
    { content: 'PAGES', mode: 'pages' },
    { content: '  pages because the catalogue is down', mode: 'pages' },
    { content: 'pagesx', mode: 'all' },
  ])('reads $content as $mode', ({ content, mode }) => {
    expect(markerMode(content)).toBe(mode);
  });
});

describe('readBrokenMarker', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the content of BROKEN, or undefined when there is none', () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-marker-'));
    expect(readBrokenMarker(dir)).toBeUndefined();
    writeFileSync(join(dir, 'BROKEN'), 'pages\n');
    expect(readBrokenMarker(dir)).toBe('pages\n');
  });
});
