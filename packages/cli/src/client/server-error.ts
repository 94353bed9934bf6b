// The error a refused or failed request throws; its own module, free of zod and the API schemas, since main.ts loads it for every command.

/**
 * The server answered, and refused or failed. Exit code 1 for a refused action (403, 404, 409, 5xx);
 * 2 for input or credentials the user must fix first (400, 401, 413).
 */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** HTTP status, or null when there was no usable answer. */
    readonly status: number | null,
    /** The server's stable error code (`conflict`, `forbidden`, …), or `client` for a failure on this side. */
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }

  /** One line per reason or conflicting path the server gave, for printing below the message. */
  get lines(): string[] {
    const lines: string[] = [];
    // Only the messages are read, so a gate reason code newer than this CLI still prints.
    const { reasons, paths } = this.details;
    if (Array.isArray(reasons) && reasons.every(hasMessage)) lines.push(...reasons.map((reason) => reason.message));
    if (Array.isArray(paths) && paths.every((path) => typeof path === 'string')) lines.push(...paths);
    return lines;
  }
}

function hasMessage(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
