// One JSON object per line, so Trunkflow's `logs` monitor can count error lines in the app's output.

export type Level = 'info' | 'warn' | 'error';
export type Log = (level: Level, msg: string, fields?: Readonly<Record<string, unknown>>) => void;

interface Sink {
  write(line: string): unknown;
}

/** Info goes to `out`; warnings and errors to `err`, as a process supervisor expects. */
export const jsonLog =
  (out: Sink, err: Sink, now: () => Date = () => new Date()): Log =>
  (level, msg, fields = {}) => {
    const line = `${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`;
    (level === 'info' ? out : err).write(line);
  };
