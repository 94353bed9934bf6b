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
  /** Standard input, for the few commands that read a value from it (`env secret set`); absent: none. */
  stdin?: StandardInput;
}

export interface StandardInput {
  /** Whether it is a terminal: a command reading a value from it refuses to wait on a person typing. */
  isTTY(): boolean;
  /** Everything until end of input, or null as soon as it is longer than `maxBytes`. */
  read(maxBytes: number): Promise<Buffer | null>;
}

function processStdin(): StandardInput {
  return {
    isTTY: () => process.stdin.isTTY === true,
    read: (maxBytes) =>
      new Promise((resolve, reject) => {
        const stream = process.stdin;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            stream.destroy();
            resolve(null);
          } else chunks.push(chunk);
        });
        stream.once('end', () => resolve(Buffer.concat(chunks)));
        stream.once('error', reject);
      }),
  };
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
    stdin: processStdin(),
  };
}
