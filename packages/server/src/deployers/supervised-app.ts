// One running app of the `process` deployer: started in its own process group, health-checked, restarted with backoff.
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Clock } from '../platform/clock.js';
import { FileTail } from './file-tail.js';
import { type HealthOutcome, waitForHealth } from './health.js';
import { LineSplitter, type SecretMask, Tail } from './output-lines.js';
import { processAlive, spawnGroup, stopGroup } from './process-group.js';
import type { LogSink, LogStream } from './types.js';

export interface AppTiming {
  /** The first restart's wait; each exit within the crash-loop window doubles it. */
  restartBackoffMs: number;
  maxRestartBackoffMs: number;
  /** This many exits within the window is a crash loop: reported, and restarts go on at the longest backoff. */
  crashLoopExits: number;
  crashLoopWindowMs: number;
  /** Between SIGTERM and SIGKILL when the app must stop. */
  stopGraceMs: number;
  /** How often an adopted app (not this server's child, so no exit event) is checked for life. */
  livenessPollMs: number;
  /** How often the app's output files are read. */
  outputPollMs: number;
  /** An output file is emptied once this much of it has been read. */
  maxOutputBytes: number;
}

export const DEFAULT_APP_TIMING: AppTiming = {
  restartBackoffMs: 250,
  maxRestartBackoffMs: 30_000,
  crashLoopExits: 5,
  crashLoopWindowMs: 60_000,
  stopGraceMs: 10_000,
  livenessPollMs: 500,
  outputPollMs: 200,
  maxOutputBytes: 8 * 1024 * 1024,
};

export interface AppSpec {
  tree: string;
  start: readonly string[];
  /** The whole environment, PORT included. */
  env: Record<string, string>;
  port: number;
  healthPath: string;
  healthTimeoutMs: number;
  stdoutFile: string;
  stderrFile: string;
}

export type AppEvent =
  | { type: 'exited'; pid: number | null; code: number | null; signal: string | null; restartInMs: number }
  | { type: 'restarted'; pid: number; restarts: number }
  | { type: 'healthy'; pid: number }
  | { type: 'crash-loop'; exits: number; windowMs: number };

export interface AppHooks {
  /** Every line of the app's output (secrets masked), and `system` lines on what supervision does. */
  output: LogSink;
  event(event: AppEvent): void;
  /** A start or restart gave the app a new process: the caller records it for adoption. */
  pidChanged(pid: number | null): void;
}

export type AppState = 'starting' | 'running' | 'restarting' | 'crash-loop' | 'stopped';

export type LaunchOutcome = HealthOutcome | { kind: 'not-started'; message: string };

export class SupervisedApp {
  state: AppState = 'starting';
  pid: number | null = null;
  restarts = 0;
  /** The last lines of output, for a failure's message. */
  readonly tail = new Tail(30);

  private child: ChildProcess | null = null;
  private alive = false;
  private supervising = false;
  private stopped = false;
  private spawnFailure: string | null = null;
  private exits: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private extraSink: LogSink | null = null;
  private readonly tails: FileTail[];
  private readonly splitters: Record<'stdout' | 'stderr', LineSplitter>;

  constructor(
    readonly spec: AppSpec,
    private readonly hooks: AppHooks,
    private readonly timing: AppTiming,
    private readonly clock: Clock,
    private readonly mask: SecretMask,
  ) {
    this.splitters = {
      stdout: new LineSplitter((line) => this.emit('stdout', line)),
      stderr: new LineSplitter((line) => this.emit('stderr', line)),
    };
    const tailOptions = { pollMs: timing.outputPollMs, maxBytes: timing.maxOutputBytes };
    this.tails = [
      new FileTail(spec.stdoutFile, (chunk) => this.splitters.stdout.write(chunk), tailOptions),
      new FileTail(spec.stderrFile, (chunk) => this.splitters.stderr.write(chunk), tailOptions),
    ];
  }

  /**
   * The first start of a deploy: resolves once the app is healthy (from then on it is supervised)
   * or has failed (then it is stopped, and never restarted). `sink` also gets the output meanwhile.
   */
  async launch(sink: LogSink, signal?: AbortSignal): Promise<LaunchOutcome> {
    this.extraSink = sink;
    // From the files' current end: a rollback starts a kept build whose files hold its old output.
    await Promise.all(this.tails.map((tail) => tail.start(true)));
    const started = await this.spawn();
    const outcome: LaunchOutcome = !started
      ? { kind: 'not-started', message: this.spawnFailure ?? 'the app did not start' }
      : await waitForHealth({
          port: this.spec.port,
          path: this.spec.healthPath,
          timeoutMs: this.spec.healthTimeoutMs,
          signal,
          exited: () => !this.alive,
        });
    await this.flushOutput();
    this.extraSink = null;
    if (outcome.kind === 'healthy') {
      this.state = 'running';
      this.supervising = true;
      // It may have exited between its last healthy answer and now; that exit was not supervised yet.
      if (!this.alive) this.crashed(null, null);
      return outcome;
    }
    await this.stop();
    return outcome;
  }

  /** Takes over an app a previous server started and left running: output from now on, liveness by polling. */
  async adopt(pid: number): Promise<void> {
    await Promise.all(this.tails.map((tail) => tail.start(true)));
    this.pid = pid;
    this.alive = true;
    this.state = 'running';
    this.supervising = true;
    this.watchLiveness(pid);
  }

  /** Starts the app under supervision at once (an adoption whose app is gone): failures are restarts, not errors. */
  async supervise(): Promise<void> {
    await Promise.all(this.tails.map((tail) => tail.start(true)));
    this.supervising = true;
    this.state = 'starting';
    if (await this.spawn()) void this.awaitHealthAfterStart();
    else this.crashed(null, null);
  }

  /** No more restarts; the whole group gets SIGTERM, then SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.pid !== null) await stopGroup(this.pid, this.timing.stopGraceMs);
    this.alive = false;
    this.state = 'stopped';
    await Promise.all(this.tails.map((tail) => tail.stop()));
    this.flushSplitters();
  }

  /** Stops watching and leaves the app running, for the next server to adopt. */
  async release(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await Promise.all(this.tails.map((tail) => tail.stop()));
    this.flushSplitters();
  }

  /** Reads the output files now, so lines written so far reach the sinks. */
  async flushOutput(): Promise<void> {
    await Promise.all(this.tails.map((tail) => tail.poll()));
  }

  private emit(stream: LogStream, raw: string): void {
    const line = this.mask.apply(raw);
    const at = this.clock.now();
    if (stream !== 'system') this.tail.push(line);
    this.hooks.output(stream, line, at);
    this.extraSink?.(stream, line, at);
  }

  private flushSplitters(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
  }

  /** Starts the process; resolves once it runs, or with `spawnFailure` set when it could not start. */
  private async spawn(): Promise<boolean> {
    this.spawnFailure = null;
    const stdout = openSync(this.spec.stdoutFile, 'a', 0o600);
    const stderr = openSync(this.spec.stderrFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawnGroup(this.spec.start, { cwd: this.spec.tree, env: this.spec.env, stdio: { stdout, stderr } });
    } catch (error) {
      this.spawnFailure = (error as Error).message;
      return false;
    } finally {
      // The child holds its own copies; the server keeps none, so the files close with the app.
      closeSync(stdout);
      closeSync(stderr);
    }
    const started = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return;
        const program = this.spec.start[0] ?? '';
        this.spawnFailure =
          error.code === 'ENOENT'
            ? `\`${program}\` was not found on PATH or in the tree: install it, or fix \`start\``
            : `could not start \`${program}\`: ${error.message}`;
        this.emit('system', `the app could not start: ${this.spawnFailure}`);
        resolve(false);
      });
    });
    if (!started || child.pid === undefined) return false;
    this.child = child;
    this.alive = true;
    this.pid = child.pid;
    this.hooks.pidChanged(child.pid);
    child.once('exit', (code, signal) => {
      if (this.child === child) {
        this.child = null;
        this.alive = false;
      }
      if (this.supervising && !this.stopped) this.crashed(code, signal);
    });
    // Errors after the start (a failed kill) change nothing: the exit event tells what happened.
    child.on('error', () => undefined);
    return true;
  }

  private watchLiveness(pid: number): void {
    this.livenessTimer = setInterval(() => {
      if (processAlive(pid)) return;
      if (this.livenessTimer !== null) clearInterval(this.livenessTimer);
      this.livenessTimer = null;
      this.alive = false;
      if (this.supervising && !this.stopped) this.crashed(null, null);
    }, this.timing.livenessPollMs);
    this.livenessTimer.unref();
  }

  private crashed(code: number | null, signal: NodeJS.Signals | null): void {
    const pid = this.pid;
    const now = performance.now();
    this.exits = [...this.exits, now].filter((at) => now - at <= this.timing.crashLoopWindowMs);
    const backoff = Math.min(
      this.timing.restartBackoffMs * 2 ** (this.exits.length - 1),
      this.timing.maxRestartBackoffMs,
    );
    const looping = this.exits.length >= this.timing.crashLoopExits;
    if (looping && this.state !== 'crash-loop') {
      this.hooks.event({ type: 'crash-loop', exits: this.exits.length, windowMs: this.timing.crashLoopWindowMs });
      this.emit(
        'system',
        `the app exited ${this.exits.length} times within ${Math.round(this.timing.crashLoopWindowMs / 1000)} s: crash loop; restarts go on with backoff`,
      );
    }
    this.state = looping ? 'crash-loop' : 'restarting';
    const how = signal !== null ? `was killed by ${signal}` : code !== null ? `exited with code ${code}` : 'is gone';
    this.emit('system', `the app ${how}; restarting in ${backoff} ms`);
    this.hooks.event({ type: 'exited', pid, code, signal, restartInMs: backoff });
    this.pid = null;
    this.hooks.pidChanged(null);
    void (async () => {
      // npm may be gone while the node it started still holds the port: the whole group goes first.
      if (pid !== null) await stopGroup(pid, this.timing.stopGraceMs);
      if (this.stopped) return;
      this.restartTimer = setTimeout(() => void this.restart(), backoff);
      this.restartTimer.unref();
    })();
  }

  private async restart(): Promise<void> {
    this.restartTimer = null;
    if (this.stopped) return;
    this.restarts += 1;
    const started = await this.spawn();
    if (this.stopped) {
      if (this.pid !== null) await stopGroup(this.pid, this.timing.stopGraceMs);
      return;
    }
    if (!started || this.pid === null) {
      // Nothing started, so no exit event will come: count it as an exit now.
      this.crashed(null, null);
      return;
    }
    this.hooks.event({ type: 'restarted', pid: this.pid, restarts: this.restarts });
    await this.awaitHealthAfterStart();
  }

  private async awaitHealthAfterStart(): Promise<void> {
    const pid = this.pid;
    const outcome = await waitForHealth({
      port: this.spec.port,
      path: this.spec.healthPath,
      timeoutMs: this.spec.healthTimeoutMs,
      exited: () => !this.alive || this.stopped,
    });
    if (this.stopped || pid === null || this.pid !== pid) return;
    if (outcome.kind === 'healthy') {
      if (this.exits.length < this.timing.crashLoopExits) this.state = 'running';
      this.hooks.event({ type: 'healthy', pid });
      return;
    }
    if (outcome.kind === 'timeout') {
      this.emit(
        'system',
        `the restarted app did not answer ${this.spec.healthPath} within ${this.spec.healthTimeoutMs} ms (${outcome.last}): stopping it`,
      );
      // Its exit event then counts as a crash and schedules the next restart.
      await stopGroup(pid, this.timing.stopGraceMs);
    }
  }

  private clearTimers(): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    if (this.livenessTimer !== null) clearInterval(this.livenessTimer);
    this.restartTimer = null;
    this.livenessTimer = null;
  }
}
