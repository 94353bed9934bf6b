// Tests the JSON-lines log: one object per line, info to stdout, warnings and errors to stderr.
import { describe, expect, it } from 'vitest';
import { jsonLog } from '../src/log.js';

describe('jsonLog', () => {
  it('writes one JSON object per line to the stream for its level', () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = jsonLog(
      { write: (line: string) => out.push(line) },
      { write: (line: string) => err.push(line) },
      () => new Date('2025-01-02T03:04:05.000Z'),
    );
    log('info', 'listening on port 3000', { port: 3000 });
    log('warn', 'careful');
    log('error', 'GET /healthz answered 500', { route: '/healthz' });
    expect(out).toEqual([
      '{"time":"2025-01-02T03:04:05.000Z","level":"info","msg":"listening on port 3000","port":3000}\n',
    ]);
    expect(err.map((line) => JSON.parse(line))).toEqual([
      { time: '2025-01-02T03:04:05.000Z', level: 'warn', msg: 'careful' },
      { time: '2025-01-02T03:04:05.000Z', level: 'error', msg: 'GET /healthz answered 500', route: '/healthz' },
    ]);
  });
});
