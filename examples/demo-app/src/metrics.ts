// The app's Prometheus metrics: Node's defaults plus request counts and durations by route and status.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakMode, DemoConfig } from './config.js';

export interface RequestLabels {
  method: string;
  route: string;
  status_code: string;
}

export interface DemoMetrics {
  registry: Registry;
  /** Counts one answered request and its duration in seconds. */
  observe(labels: RequestLabels, seconds: number): void;
  setBroken(broken: boolean): void;
}

const LABELS = ['method', 'route', 'status_code'] as const;

/** Builds a registry of its own, so two apps in one process (as in the tests) never share counters. */
export const createMetrics = (config: Pick<DemoConfig, 'env' | 'sha' | 'version' | 'breakMode'>): DemoMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its response being sent, by method, route and status code.',
    labelNames: LABELS,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const info = new Gauge({
    name: 'demo_app_info',
    help: 'Always 1; its labels say which release is running where.',
    labelNames: ['env', 'sha', 'version'],
    registers: [registry],
  });
  info.set({ env: config.env ?? '', sha: config.sha ?? '', version: config.version ?? '' }, 1);
  const broken = new Gauge({
    name: 'demo_app_broken',
    help: '1 once the BROKEN marker has taken effect, 0 while the app behaves.',
    labelNames: ['mode'],
    registers: [registry],
  });
  const mode: BreakMode = config.breakMode;
  broken.set({ mode }, 0);
  return {
    registry,
    observe: (labels, seconds) => {
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    setBroken: (value) => broken.set({ mode }, value ? 1 : 0),
  };
};
