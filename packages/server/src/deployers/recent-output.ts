// The last minutes of each deployed app's output, in memory, for the `logs` monitor check to count error lines in.
import { type EnvironmentRef, environmentKey } from './environment.js';
import type { LogStream } from './types.js';

export interface RecentLine {
  /** When the line was read, epoch milliseconds. */
  at: number;
  line: string;
}

export interface RecentOutputOptions {
  /** Lines older than this (behind the newest) are dropped: the check looks one minute back. */
  keepMs: number;
  /** At most this many lines per environment, so a chatty app cannot grow the server's memory. */
  maxLines: number;
}

export const DEFAULT_RECENT_OUTPUT: RecentOutputOptions = { keepMs: 2 * 60_000, maxLines: 20_000 };

/**
 * Only the app's own stdout and stderr are kept: Trunkflow's `system` lines (restarts, adoption)
 * are about supervision, not what the app said. A line is kept as read; the pattern is applied
 * when a check measures, so a changed pattern in the next release counts the same lines.
 */
export class RecentOutput {
  private readonly lines = new Map<string, RecentLine[]>();

  constructor(private readonly options: RecentOutputOptions = DEFAULT_RECENT_OUTPUT) {}

  push(environment: EnvironmentRef, stream: LogStream, line: string, at: Date): void {
    if (stream === 'system') return;
    const key = environmentKey(environment);
    let kept = this.lines.get(key);
    if (kept === undefined) {
      kept = [];
      this.lines.set(key, kept);
    }
    const time = at.getTime();
    kept.push({ at: time, line });
    let drop = 0;
    while (drop < kept.length && (kept[drop] as RecentLine).at < time - this.options.keepMs) drop += 1;
    drop = Math.max(drop, kept.length - this.options.maxLines);
    if (drop > 0) kept.splice(0, drop);
  }

  /** The environment's lines read at or after `since`, oldest first. */
  since(environment: EnvironmentRef, since: number): RecentLine[] {
    return (this.lines.get(environmentKey(environment)) ?? []).filter((entry) => entry.at >= since);
  }
}
