// A real Prometheus (Debian's `prometheus`) on a loopback port, with its own config and data folder, for tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningPrometheus {
  url: string;
  /** Waits (bounded) until `query` returns at least one series. */
  waitForData(query: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Prometheus scraping `targets` (host:port, loopback) every second, and, with `fileTargets`,
 * whatever that file_sd JSON file lists (re-read every second, so a test can point it at an app later).
 */
export async function startPrometheus(
  targets: readonly string[],
  options: { fileTargets?: string } = {},
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'trunkflow-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: app',
    '    static_configs:',
    `      - targets: [${targets.map((target) => JSON.stringify(target)).join(', ')}]`,
    ...(options.fileTargets
      ? [
          '    file_sd_configs:',
          `      - files: [${JSON.stringify(options.fileTargets)}]`,
          '        refresh_interval: 1s',
        ]
      : []),
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 150) {
      await stop();
      throw new Error(`prometheus did not get ready in 30 s: ${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    url,
    async waitForData(query, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
        const body = (await response.json()) as { data?: { result?: unknown[] } };
        if ((body.data?.result?.length ?? 0) > 0) return;
        if (Date.now() > deadline) throw new Error(`no data for ${query} after ${timeoutMs} ms`);
        await new Promise((done) => setTimeout(done, 250));
      }
    },
    stop,
  };
}
