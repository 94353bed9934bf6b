// Runs the PR rules in a worker thread with a time limit. trunkflow.yml's regular expressions
// (linked-task.pattern, feature-flag.patterns) run over text PR authors write: a pattern that
// backtracks catastrophically must cost one check, not stall the server's event loop.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Finding, PolicyFacts, TrunkflowConfig } from '@trunkflow/core';

export const RULES_TIMEOUT_MS = 10_000;

export class RulesTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(
      `the rules took longer than ${timeoutMs / 1000} s and were stopped: a regular expression in trunkflow.yml (linked-task.pattern or feature-flag.patterns) probably backtracks catastrophically; simplify it, e.g. no repeat inside a repeat like (a+)+`,
    );
    this.name = 'RulesTimeoutError';
  }
}

type Request =
  | { op: 'evaluate'; facts: PolicyFacts; config: TrunkflowConfig }
  | { op: 'findTaskKey'; pattern: string; branch: string; title: string };

type WorkerMessage = { started: number } | { id: number; value?: unknown; error?: string };

interface Pending {
  request: Request;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | null;
}

// The worker runs plain JavaScript from a string, so it needs no build step of its own; it loads
// the built core package, the same code the CLI runs.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.core).then((core) => {
  parentPort.on('message', ({ id, request }) => {
    parentPort.postMessage({ started: id });
    try {
      const value = request.op === 'evaluate'
        ? core.evaluate(request.facts, request.config)
        : core.findTaskKey(request.pattern, request.branch, request.title)?.task ?? null;
      parentPort.postMessage({ id, value });
    } catch (error) {
      parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
});
`;

const coreEntry = pathToFileURL(createRequire(import.meta.url).resolve('@trunkflow/core')).href;

export class RuleRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs = RULES_TIMEOUT_MS) {}

  evaluate(facts: PolicyFacts, config: TrunkflowConfig): Promise<Finding[]> {
    return this.call({ op: 'evaluate', facts, config }) as Promise<Finding[]>;
  }

  findTaskKey(pattern: string, branch: string, title: string): Promise<string | null> {
    return this.call({ op: 'findTaskKey', pattern, branch, title }) as Promise<string | null>;
  }

  /** Stops the worker; calls still waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the rule runner was closed'));
    await worker?.terminate();
  }

  private call(request: Request): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { request, resolve, reject, timer: null });
      this.send(id);
    });
  }

  private send(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.ensureWorker().postMessage({ id, request: pending.request });
  }

  /** Fails the call that ran too long, replaces the worker, and resends the calls queued behind it. */
  private timedOut(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.reject(new RulesTimeoutError(this.timeoutMs));
    const stuck = this.worker;
    this.worker = null;
    void stuck?.terminate();
    for (const [other, waiting] of this.pending) {
      if (waiting.timer) clearTimeout(waiting.timer);
      waiting.timer = null;
      this.send(other);
    }
  }

  private settle(message: WorkerMessage): void {
    if ('started' in message) {
      // The limit counts from when the worker starts the call: not its start-up, not the queue.
      const started = this.pending.get(message.started);
      if (started) started.timer ??= setTimeout(() => this.timedOut(message.started), this.timeoutMs);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (pending.timer) clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(new Error(message.error));
    else pending.resolve(message.value);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) {
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker) {
      this.worker.ref();
      return this.worker;
    }
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { core: coreEntry } });
    worker.on('message', (message: WorkerMessage) => {
      if (this.worker === worker) this.settle(message);
    });
    // A worker that dies on its own (out of memory, a bug) fails what it held; the next call starts another.
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the rules worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
