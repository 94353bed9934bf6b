// CLI errors: each carries the exit code and a message that says how to fix the problem.

/** Bad usage, bad config, or a repository the command cannot work with: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
