import { describe, expect, it } from 'vitest';
import { defaultConfig, encodeConfig, parseConfig } from '../policy/config.js';
import { parseConfigFile } from '../policy/config-file.js';
import {
  type EnvironmentConfig,
  environmentCommands,
  environmentsSchema,
  meetsCondition,
  parseCondition,
} from './environments.js';

/** The environments of a trunkflow.yml, or its issues as `path: message` lines. */
function load(yaml: string) {
  const { config, issues } = parseConfigFile(yaml);
  return {
    environments: config.environments,
    proxy: config.proxy,
    issues: issues.map((i) => `${i.path}: ${i.message}`),
  };
}

function loaded(yaml: string) {
  const result = load(yaml);
  expect(result.issues).toEqual([]);
  return result;
}

const NODE_DEFAULTS = {
  deployer: 'process',
  install: ['npm', 'ci'],
  build: 'auto',
  start: ['npm', 'start'],
  test: false,
  healthPath: '/healthz',
  healthTimeout: 60_000,
  timeout: 600_000,
  variables: {},
  secrets: [],
};

describe('environments: defaults', () => {
  it('deploys nothing when the section is absent, and serves by host name', () => {
    expect(defaultConfig().environments).toEqual({});
    expect(defaultConfig().proxy).toEqual({ mode: 'host' });
  });

  it('gives each written environment every default of a Node app', () => {
    const { environments } = loaded('environments:\n  preview: {}\n  staging: {}\n  production: {}\n');
    expect(environments.staging).toEqual(NODE_DEFAULTS);
    expect(environments.preview).toEqual({ ...NODE_DEFAULTS, ttl: 14 * 86_400_000, drafts: false });
    expect(environments.production).toEqual({
      ...NODE_DEFAULTS,
      monitor: {
        duration: 1_800_000,
        interval: 60_000,
        failureLimit: 0,
        inconclusiveLimit: 3,
        consecutiveErrorLimit: 4,
        checks: [{ provider: 'http', path: '/healthz', status: 200, maxLatency: 5000 }],
      },
    });
  });

  it('points the default health check, and any http check without a path, at healthPath', () => {
    const { environments } = loaded(
      'environments:\n  production:\n    healthPath: /up\n    monitor:\n      checks: [{ provider: http }, { provider: http, path: /version }]\n',
    );
    expect(environments.production?.monitor.checks).toEqual([
      { provider: 'http', path: '/up', status: 200, maxLatency: 5000 },
      { provider: 'http', path: '/version', status: 200, maxLatency: 5000 },
    ]);
    expect(
      loaded('environments:\n  production: { healthPath: /up }\n').environments.production?.monitor.checks,
    ).toEqual([{ provider: 'http', path: '/up', status: 200, maxLatency: 5000 }]);
  });

  it.each([
    ['install: false', { install: false }],
    ['install: [npm, install, --omit=dev]', { install: ['npm', 'install', '--omit=dev'] }],
    ['build: false', { build: false }],
    ['build: npm run compile', { build: ['npm', 'run', 'compile'] }],
    ['build: [auto]', { build: ['auto'] }],
    ['start: node dist/server.js', { start: ['node', 'dist/server.js'] }],
    ["test: npx playwright test --grep '@smoke'", { test: ['npx', 'playwright', 'test', '--grep', '@smoke'] }],
    ['timeout: 1h30m', { timeout: 5_400_000 }],
    ['healthTimeout: 10s', { healthTimeout: 10_000 }],
    ['healthPath: /status/ready', { healthPath: '/status/ready' }],
    [
      'variables: { NODE_ENV: production, WORKERS: 2, VERBOSE: true }',
      { variables: { NODE_ENV: 'production', WORKERS: '2', VERBOSE: 'true' } },
    ],
    ['secrets: [STRIPE_KEY, DATABASE_URL]', { secrets: ['STRIPE_KEY', 'DATABASE_URL'] }],
    [
      '{ deployer: command, deploy: npx carlin deploy, destroy: npx carlin deploy --destroy }',
      {
        deployer: 'command',
        deploy: ['npx', 'carlin', 'deploy'],
        destroy: ['npx', 'carlin', 'deploy', '--destroy'],
      },
    ],
  ])('staging with %s', (setting, expected) => {
    const yaml = setting.startsWith('{')
      ? `environments:\n  staging: ${setting}\n`
      : `environments:\n  staging:\n    ${setting}\n`;
    expect(loaded(yaml).environments.staging).toEqual({ ...NODE_DEFAULTS, ...expected });
  });

  it('reads every check provider with its defaults', () => {
    const { environments } = loaded(`
environments:
  production:
    monitor:
      duration: 10m
      interval: 30s
      failureLimit: 1
      inconclusiveLimit: 0
      consecutiveErrorLimit: 2
      checks:
        - provider: http
          path: /version
          status: 204
          maxLatency: 800ms
          json: { path: '$.env', equals: production }
        - { provider: logs }
        - { provider: logs, pattern: 'level":50', maxPerMinute: 0 }
        - provider: prometheus
          url: http://127.0.0.1:9090
          query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
          successCondition: result < 0.05
          failureCondition: result >= 0.05
        - { provider: command, command: [node, scripts/smoke.js] }
        - { provider: command, command: ./smoke.sh, exitCode: 3, output: 'all good' }
`);
    expect(environments.production?.monitor).toEqual({
      duration: 600_000,
      interval: 30_000,
      failureLimit: 1,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 2,
      checks: [
        {
          provider: 'http',
          path: '/version',
          status: 204,
          maxLatency: 800,
          json: { path: ['env'], equals: 'production' },
        },
        { provider: 'logs', pattern: '\\b(?:error|fatal)\\b', maxPerMinute: 10 },
        { provider: 'logs', pattern: 'level":50', maxPerMinute: 0 },
        {
          provider: 'prometheus',
          url: 'http://127.0.0.1:9090',
          query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
          successCondition: { op: '<', value: 0.05 },
          failureCondition: { op: '>=', value: 0.05 },
        },
        { provider: 'command', command: ['node', 'scripts/smoke.js'], exitCode: 0 },
        { provider: 'command', command: ['./smoke.sh'], exitCode: 3, output: 'all good' },
      ],
    });
  });

  it('reads preview and proxy settings', () => {
    const { environments, proxy } = loaded(
      'proxy: { mode: port }\nenvironments:\n  preview: { ttl: 36h, drafts: true }\n',
    );
    expect(environments.preview).toMatchObject({ ttl: 36 * 3_600_000, drafts: true });
    expect(proxy).toEqual({ mode: 'port' });
  });

  it('accepts an interval equal to the duration', () => {
    loaded('environments:\n  production:\n    monitor: { duration: 1m, interval: 60s }\n');
  });

  it("prints back in the file's own notation: durations as text, conditions and paths as written", () => {
    const { config } = parseConfigFile(`
environments:
  preview: {}
  production:
    timeout: 90m
    monitor:
      checks:
        - { provider: prometheus, url: 'http://p:9090', query: up, successCondition: result >= 1 }
        - { provider: http, json: { path: "$['a b'][0]", equals: 1 } }
`);
    const written = encodeConfig(config) as { environments: Record<string, Record<string, unknown>> };
    expect(written.environments.preview).toMatchObject({ ttl: '14d', timeout: '10m', healthTimeout: '1m' });
    expect(written.environments.production).toMatchObject({
      timeout: '1h30m',
      monitor: {
        duration: '30m',
        interval: '1m',
        checks: [
          { provider: 'prometheus', successCondition: 'result >= 1' },
          { provider: 'http', path: '/healthz', maxLatency: '5s', json: { path: "$['a b'][0]", equals: 1 } },
        ],
      },
    });
    // What is printed is itself a valid file that reads back to the same settings.
    expect(parseConfig(written)).toEqual({ ok: true, config });
  });
});

describe('environments: bad configuration, found when the file is loaded', () => {
  it.each([
    [
      'an unknown deployer',
      'staging: { deployer: docker }',
      'environments.staging.deployer: unknown deployer "docker": use process (runs the app on this machine behind Trunkflow’s proxy) or command (runs your own `deploy` command)',
    ],
    [
      'a command deployer without its command',
      'staging: { deployer: command }',
      'environments.staging.deploy: `deployer: command` needs `deploy`, the command that deploys and prints TRUNKFLOW_URL=<url>: write e.g. `deploy: npx carlin deploy`',
    ],
    [
      'a deploy command with the process deployer',
      'staging: { deploy: ./deploy.sh }',
      'environments.staging.deploy: is used only by `deployer: command`: set `deployer: command`, or remove `deploy`',
    ],
    [
      'a destroy command with the process deployer',
      'preview: { destroy: ./destroy.sh }',
      'environments.preview.destroy: is used only by `deployer: command`: set `deployer: command`, or remove `destroy`',
    ],
    [
      'a bad Prometheus URL',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'localhost:9090', query: up, successCondition: result < 1 }] } }",
      'environments.production.monitor.checks.0.url: "localhost:9090" is not a Prometheus URL: write its base address with http:// or https://, like http://127.0.0.1:9090',
    ],
    [
      'a Prometheus URL of another protocol',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'ftp://p', query: up, successCondition: result < 1 }] } }",
      'environments.production.monitor.checks.0.url: "ftp://p" is not a Prometheus URL: write its base address with http:// or https://, like http://127.0.0.1:9090',
    ],
    [
      'a Prometheus check with no URL',
      'production: { monitor: { checks: [{ provider: prometheus, query: up, successCondition: result < 1 }] } }',
      'environments.production.monitor.checks.0.url: a prometheus check needs `url`: write its base address with http:// or https://, like http://127.0.0.1:9090',
    ],
    [
      'a Prometheus check with no query',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'http://p:9090', successCondition: result < 1 }] } }",
      'environments.production.monitor.checks.0.query: a prometheus check needs `query`, a PromQL query like sum(rate(http_requests_total[1m]))',
    ],
    [
      'a Prometheus check with no condition',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'http://p:9090', query: up }] } }",
      'environments.production.monitor.checks.0.successCondition: a prometheus check needs `successCondition` or `failureCondition` (or both), like `successCondition: result < 0.05`',
    ],
    [
      'a condition that is not one',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'http://p:9090', query: up, failureCondition: above 1 }] } }",
      'environments.production.monitor.checks.0.failureCondition: `above 1` is not a condition: write `result`, a comparison and a number, like result < 0.05 (< <= > >= == !=)',
    ],
    [
      'an interval longer than the duration',
      'production: { monitor: { duration: 1m, interval: 2m } }',
      'environments.production.monitor.interval: `interval` 2m is longer than `duration` 1m: shorten interval or lengthen duration',
    ],
    [
      'an unknown key under monitor',
      'production: { monitor: { count: 5 } }',
      'environments.production.monitor.count: unknown key "count": remove it or check its spelling (known keys: duration, interval, failureLimit, inconclusiveLimit, consecutiveErrorLimit, checks)',
    ],
    [
      'a misspelt key of a check, named against that provider’s keys',
      "production: { monitor: { checks: [{ provider: prometheus, url: 'http://p:9090', query: up, successCondition: result < 1, succesCondition: result < 2 }] } }",
      'environments.production.monitor.checks.0.succesCondition: unknown key "succesCondition": remove it or check its spelling (known keys: provider, url, query, successCondition, failureCondition)',
    ],
    [
      'a monitor outside production',
      'staging: { monitor: {} }',
      'environments.staging.monitor: unknown key "monitor": remove it or check its spelling (known keys: deployer, deploy, destroy, install, build, start, test, healthPath, healthTimeout, timeout, variables, secrets)',
    ],
    [
      'an unknown environment',
      'prod: {}',
      'environments.prod: unknown key "prod": remove it or check its spelling (known keys: preview, staging, production)',
    ],
    [
      'an environment left empty',
      'staging:',
      'environments.staging: is empty; write `staging: {}` (every default) or remove the key',
    ],
    [
      'an unknown check provider',
      'production: { monitor: { checks: [{ provider: ping }] } }',
      'environments.production.monitor.checks.0.provider: unknown check provider "ping": use http, logs, prometheus or command',
    ],
    [
      'a check without a provider',
      'production: { monitor: { checks: [{ path: /healthz }] } }',
      'environments.production.monitor.checks.0.provider: a check needs a `provider`: http, logs, prometheus or command, like { provider: http }',
    ],
    [
      'no checks at all',
      'production: { monitor: { checks: [] } }',
      'environments.production.monitor.checks: is an empty list: list at least one check, or remove `checks` to get the HTTP health check',
    ],
    [
      'a logs check on an app Trunkflow does not run',
      'production: { deployer: command, deploy: ./deploy.sh, monitor: { checks: [{ provider: logs }] } }',
      'environments.production.monitor.checks.0.provider: a logs check reads the output of the app the `process` deployer runs: use `deployer: process`, or a prometheus or command check',
    ],
    [
      'a command check without its command',
      'production: { monitor: { checks: [{ provider: command }] } }',
      'environments.production.monitor.checks.0.command: is required: write a command, one line like `npm run smoke` or a list of arguments like [npm, run, smoke]',
    ],
    [
      'a JSONPath with a filter',
      "production: { monitor: { checks: [{ provider: http, json: { path: '$[?(@.ok)]', equals: true } }] } }",
      "environments.production.monitor.checks.0.json.path: `$[?(@.ok)]` is not a supported JSONPath at `[?(@.ok)]`: write `$` then `.name`, `['any name']` or `[index]` steps, like $.status or $.checks[0].ok",
    ],
    [
      'a status that is not an HTTP status',
      'production: { monitor: { checks: [{ provider: http, status: 42 }] } }',
      'environments.production.monitor.checks.0.status: is 42, but must be at least 100; write `status: 200`',
    ],
    [
      'a bad regular expression',
      "production: { monitor: { checks: [{ provider: logs, pattern: '(' }] } }",
      'environments.production.monitor.checks.0.pattern: not a valid regular expression (Invalid regular expression: /(/iu: Unterminated group); escape special characters with a backslash',
    ],
    [
      'a logs pattern that backtracks catastrophically',
      "production: { monitor: { checks: [{ provider: logs, pattern: '(a+)+$' }] } }",
      'environments.production.monitor.checks.0.pattern: `(a+)+$` may backtrack catastrophically (a repeat inside a repeat, like (a+)+): simplify it, e.g. \\b(?:error|fatal)\\b',
    ],
    [
      'a logs threshold that is no whole number',
      'production: { monitor: { checks: [{ provider: logs, maxPerMinute: 2.5 }] } }',
      'environments.production.monitor.checks.0.maxPerMinute: expected a whole number, got the number 2.5',
    ],
    [
      'a logs threshold that is no number',
      'production: { monitor: { checks: [{ provider: logs, maxPerMinute: many }] } }',
      'environments.production.monitor.checks.0.maxPerMinute: expected a number, got the text "many"',
    ],
    [
      'a negative limit',
      'production: { monitor: { failureLimit: -1 } }',
      'environments.production.monitor.failureLimit: is -1, but must be at least 0; write `failureLimit: 0`',
    ],
    [
      'a duration without a unit',
      'staging: { timeout: 30 }',
      'environments.staging.timeout: 30 has no unit: write 30s, 30m or 30h',
    ],
    [
      'a duration with an unknown unit',
      'staging: { timeout: 30x }',
      'environments.staging.timeout: `30x` is not a duration: use a whole number with s, m or h (also d, or ms), like 30m, 10s or 1h30m',
    ],
    [
      'a zero duration',
      'production: { monitor: { interval: 0s } }',
      'environments.production.monitor.interval: `0s` is shorter than 1s: write at least 1s',
    ],
    [
      'a very short TTL',
      'preview: { ttl: 30s }',
      'environments.preview.ttl: `30s` is shorter than 1m: write at least 1m',
    ],
    [
      'a command through a shell',
      "staging: { test: 'npm test && npm run e2e' }",
      'environments.staging.test: `npm test && npm run e2e`: `&&` is a shell operator, and commands do not run through a shell: run one program, or put the shell part in a script file in the repository and run that, like ./scripts/deploy.sh',
    ],
    [
      'a command that is not text or a list',
      'staging: { start: 3 }',
      'environments.staging.start: expected a command: one line like `npm ci`, or a list of arguments like [npm, ci]',
    ],
    [
      'build as neither command, auto nor false',
      'staging: { build: true }',
      'environments.staging.build: expected auto, false (none) or a command: one line like `npm ci`, or a list of arguments like [npm, ci]',
    ],
    [
      'an empty argument list',
      'staging: { start: [] }',
      'environments.staging.start: is an empty list: write the program and its arguments, like [npm, start]',
    ],
    [
      'a health path that is not a path',
      'staging: { healthPath: healthz }',
      'environments.staging.healthPath: `healthz` is not a URL path: start it with /, like /healthz',
    ],
    [
      'a variable Trunkflow sets itself',
      'staging: { variables: { PORT: 8080 } }',
      'environments.staging.variables.PORT: `PORT` is set by Trunkflow on every deploy (PORT and TRUNKFLOW_*): use another name',
    ],
    [
      'a variable whose name is not one',
      'staging: { variables: { api-url: x } }',
      'environments.staging.variables.api-url: `api-url` is not an environment variable name: use letters, digits and _, not starting with a digit, like API_URL',
    ],
    [
      'a variable that is a mapping',
      'staging: { variables: { A: { b: 1 } } }',
      'environments.staging.variables.A: expected text, a number or true/false, like "on"',
    ],
    [
      'secret values in the repository',
      'production: { secrets: { STRIPE_KEY: sk_live_123 } }',
      'environments.production.secrets: lists secret names only, like [STRIPE_KEY]: a value is never written in the repository, it is set on the Trunkflow server',
    ],
    [
      'a secret named twice',
      'production: { secrets: [A, A] }',
      'environments.production.secrets.1: `A` is listed twice: remove one',
    ],
    [
      'a secret name in lower case, which `trunkflow env secret set` would refuse',
      'production: { secrets: [stripe_key] }',
      'environments.production.secrets.0: `stripe_key` is not a secret name: use upper-case letters, digits and _, not starting with a digit, like STRIPE_KEY',
    ],
    [
      'a secret Trunkflow sets itself',
      'production: { secrets: [TRUNKFLOW_SHA] }',
      'environments.production.secrets.0: `TRUNKFLOW_SHA` is set by Trunkflow on every deploy (PORT and TRUNKFLOW_*): use another name',
    ],
    [
      'a secret that is also a variable',
      'production: { variables: { A: x }, secrets: [A] }',
      'environments.production.secrets.0: `A` is both a variable and a secret: keep it in one of the two',
    ],
  ])('%s', (_what, section, issue) => {
    const yaml = section.startsWith('proxy') ? section : `environments:\n  ${section}\n`;
    expect(load(yaml).issues).toEqual([issue]);
  });

  it('refuses an unknown proxy mode', () => {
    expect(load('proxy: { mode: dns }\n').issues).toEqual(['proxy.mode: unknown proxy mode "dns": use host or port']);
  });

  it('lists environments and proxy among the top-level keys', () => {
    expect(load('colour: red\n').issues).toEqual([
      'colour: unknown key "colour": remove it or check its spelling (known keys: trunk, timezone, rules, environments, proxy)',
    ]);
  });
});

describe('parseCondition and meetsCondition', () => {
  it.each([
    ['result < 0.05', 0.01, true],
    ['result>=0.05', 0.05, true],
    ['< 0.05', 0.01, true],
    ['< 0.05', 0.05, false],
    ['<= 0.05', 0.05, true],
    ['>0.95', 0.99, true],
    ['>= 1', 0, false],
    ['== 1', 1, true],
    ['!= 0', 0, false],
    ['> -1e-3', 0, true],
    ['< .5', 0.25, true],
    ['< 1', Number.NaN, false],
    ['!= 1', Number.NaN, true],
  ])('%j with %d is %j', (text, value, met) => {
    const parsed = parseCondition(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(meetsCondition(parsed.condition, value)).toBe(met);
  });

  it.each([['above 1'], ['<'], ['< x'], ['=< 1'], ['1 <'], [''], ['results < 1'], ['result[0] < 1']])(
    'refuses %j',
    (text) => {
      expect(parseCondition(text).ok).toBe(false);
    },
  );
});

describe('environmentCommands', () => {
  function section(name: 'staging' | 'production', settings: Record<string, unknown>): EnvironmentConfig {
    const environment = environmentsSchema.parse({ [name]: settings })[name];
    if (environment === undefined) throw new Error(`no ${name}`);
    return environment;
  }

  it('lists what the process deployer runs, with build auto as npm run build', () => {
    expect(environmentCommands(section('staging', { test: 'npm run e2e' }))).toEqual([
      { key: 'install', args: ['npm', 'ci'] },
      { key: 'build', args: ['npm', 'run', 'build'] },
      { key: 'start', args: ['npm', 'start'] },
      { key: 'test', args: ['npm', 'run', 'e2e'] },
    ]);
  });

  it('lists the command deployer’s own commands and the command checks, and skips what is off', () => {
    const production = section('production', {
      deployer: 'command',
      deploy: 'vercel deploy',
      destroy: ['vercel', 'remove'],
      install: false,
      build: false,
      monitor: { checks: [{ provider: 'http' }, { provider: 'command', command: './smoke.sh' }] },
    });
    expect(environmentCommands(production)).toEqual([
      { key: 'deploy', args: ['vercel', 'deploy'] },
      { key: 'destroy', args: ['vercel', 'remove'] },
      { key: 'monitor.checks.1.command', args: ['./smoke.sh'] },
    ]);
  });
});
