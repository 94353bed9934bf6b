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

/**
 * A reader that stops early (`trunkflow pr --help | head`) closes the pipe: stop writing and exit
 * quietly, as other command-line tools do, instead of crashing on EPIPE.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

export function processIo(): CliIo {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
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
