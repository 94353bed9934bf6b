// The CLI's view of its process: streams, environment, clock and exit code, passed in for tests.

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal that takes colours. */
  color: boolean;
  now(): Date;
  setExitCode(code: number): void;
}

export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
    now: () => new Date(),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}
