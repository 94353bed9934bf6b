// Turns a child's output chunks into timestamped lines for a log sink, masking secrets and keeping a tail.
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../platform/clock.js';
import type { LogSink, LogStream } from './types.js';

/** A line longer than this is cut: one runaway line must not hold the whole output in memory. */
const MAX_LINE_CHARS = 16_384;
/** Shorter secrets would mask ordinary words ("on", "1") all over the output. */
const MIN_MASKED_SECRET = 4;

export class SecretMask {
  private readonly values: string[];

  constructor(secrets: Readonly<Record<string, string>>) {
    // Output is masked line by line, so a multi-line secret (a PEM key) is masked by each of its lines too.
    const values = Object.values(secrets).flatMap((value) =>
      value.includes('\n') ? [value, ...value.split(/\r?\n/)] : [value],
    );
    // Longest first, so a secret that contains another is masked whole.
    this.values = [...new Set(values)]
      .filter((value) => value.length >= MIN_MASKED_SECRET)
      .sort((a, b) => b.length - a.length);
  }

  apply(line: string): string {
    let masked = line;
    for (const value of this.values) masked = masked.split(value).join('***');
    return masked;
  }
}

/** Keeps the last lines of output, for the message of a failure. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 20) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}

/** One per stream: decodes UTF-8 across chunk edges and emits each complete line. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      this.emit(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    if (this.pending.length > MAX_LINE_CHARS) {
      this.emit(this.pending);
      this.pending = '';
    }
  }

  /** Emits what is left without a final newline. */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.onLine(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
  }
}

/** A sink that masks secrets and remembers the tail of what it passed on. */
export function maskedSink(sink: LogSink, mask: SecretMask, tail?: Tail): LogSink {
  return (stream, line, at) => {
    const masked = mask.apply(line);
    tail?.push(masked);
    sink(stream, masked, at);
  };
}

/** Splitters for both streams of a child, feeding one sink. */
export function streamSplitters(
  sink: LogSink,
  clock: Clock,
): { stdout: LineSplitter; stderr: LineSplitter; end(): void } {
  const make = (stream: LogStream) => new LineSplitter((line) => sink(stream, line, clock.now()));
  const stdout = make('stdout');
  const stderr = make('stderr');
  return {
    stdout,
    stderr,
    end() {
      stdout.end();
      stderr.end();
    },
  };
}
