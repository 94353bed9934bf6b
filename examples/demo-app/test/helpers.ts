// Test helpers: the app on an ephemeral loopback port, a log that records lines, and a /metrics reader.
import type { AddressInfo } from 'node:net';
import { type AppOptions, createApp, type DemoApp } from '../src/app.js';
import type { DemoConfig } from '../src/config.js';
import type { Level } from '../src/log.js';

export interface LogLine {
  level: Level;
  msg: string;
  fields: Readonly<Record<string, unknown>>;
}

export interface Running {
  app: DemoApp;
  base: string;
  logs: LogLine[];
  get(path: string, init?: RequestInit): Promise<Response>;
}

export const baseConfig: DemoConfig = {
  port: 0,
  host: '127.0.0.1',
  env: 'staging',
  sha: '0123456789abcdef0123456789abcdef01234567',
  version: 'v1.2.3',
  breakMode: 'off',
  breakAfterMs: 5000,
};

export const startApp = async (
  config: Partial<DemoConfig> = {},
  options: Pick<AppOptions, 'schedule'> = {},
): Promise<Running> => {
  const logs: LogLine[] = [];
  const app = createApp({
    config: { ...baseConfig, ...config },
    log: (level, msg, fields = {}) => logs.push({ level, msg, fields }),
    ...options,
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return { app, base, logs, get: (path, init) => fetch(`${base}${path}`, init) };
};

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples (comments skipped), enough for these tests. */
export const parseMetrics = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const parsed = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (parsed?.[1] === undefined || parsed[3] === undefined) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (parsed[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        if (key !== undefined && value !== undefined) labels[key] = value;
      }
      return { name: parsed[1], labels, value: Number(parsed[3]) };
    });

/** The value of the one sample with this name and exactly these labels, or undefined. */
export const sampleValue = (samples: readonly Sample[], name: string, labels: Record<string, string>) => {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  )?.value;
};

export const scrape = async (running: Running): Promise<Sample[]> => {
  const response = await running.get('/metrics');
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
};
