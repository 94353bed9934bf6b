// The trunkflow command line: builds the program and maps every error to an exit code and a message.
import { Command, CommanderError } from 'commander';
import { ServerError } from './client/server-error.js';
import { UsageError } from './errors.js';
import { type CliIo, processIo } from './io.js';

type Register = (program: Command, io: CliIo) => void;

/**
 * Each top-level command's module, loaded only when that command runs: `trunkflow check` in CI
 * should not pay for the HTTP client, and no client command for the policy engine.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  check: async () => (await import('./commands/check.js')).registerCheck,
  init: async () => (await import('./commands/init.js')).registerInit,
  config: async () => (await import('./commands/config.js')).registerConfig,
  coverage: async () => (await import('./commands/coverage.js')).registerCoverage,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  login: async () => (await import('./commands/login.js')).registerLogin,
  project: async () => (await import('./commands/project.js')).registerProject,
  pr: async () => (await import('./commands/pr.js')).registerPr,
  runs: async () => (await import('./commands/runs.js')).registerRuns,
  envs: async () => (await import('./commands/envs.js')).registerEnvs,
  env: async () => (await import('./commands/env.js')).registerEnv,
  releases: async () => (await import('./commands/releases.js')).registerReleases,
  deploy: async () => (await import('./commands/deploy.js')).registerDeploy,
  rollback: async () => (await import('./commands/deploy.js')).registerRollback,
  promote: async () => (await import('./commands/deploy.js')).registerPromote,
  abort: async () => (await import('./commands/deploy.js')).registerAbort,
  notify: async () => (await import('./commands/notify.js')).registerNotify,
  admin: async () => (await import('./commands/admin.js')).registerAdmin,
};
/** `login` registers these too. */
const ALIASES: Record<string, string> = { logout: 'login', whoami: 'login' };
const GLOBAL_OPTIONS_WITH_VALUES = new Set(['--server', '--token']);

/** The command named on the command line, or null for root help, a version query or a typo. */
function requestedCommand(argv: readonly string[]): string | null {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (GLOBAL_OPTIONS_WITH_VALUES.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      const name = ALIASES[arg] ?? arg;
      return name in COMMANDS ? name : null;
    }
  }
  return null;
}

export async function buildProgram(io: CliIo, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('trunkflow')
    .description(
      "Trunkflow checks pull requests against a team's rules (trunkflow check, in any repository or CI, no server needed) " +
        'and runs a server hosting git with pull requests, reviews and squash merge (trunkflow serve, then login, project, pr, notify, admin); ' +
        'runs, envs and releases show its delivery pipeline, deploy, rollback, promote and abort drive it, and env secret sets the secrets its environments get.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option(
      '--server <url>',
      'Trunkflow server URL (env TRUNKFLOW_SERVER; default: the stored login, else http://localhost:4400)',
    )
    .option('--token <token>', 'API token (env TRUNKFLOW_TOKEN; default: the stored login for that server)')
    .exitOverride();
  const only = requestedCommand(argv);
  const names = only === null ? Object.keys(COMMANDS) : [only];
  for (const register of await Promise.all(names.map((name) => (COMMANDS[name] as () => Promise<Register>)()))) {
    register(program, io);
  }
  const clientCommands = new Set([
    'login',
    'logout',
    'whoami',
    'project',
    'pr',
    'runs',
    'envs',
    'env',
    'releases',
    'deploy',
    'rollback',
    'promote',
    'abort',
    'notify',
    'admin',
  ]);
  const configure = (command: Command, client: boolean) => {
    for (const sub of command.commands) {
      sub.exitOverride();
      const isClient = client || clientCommands.has(sub.name());
      // Only client commands use --server and --token, so only their help lists them.
      if (isClient) sub.configureHelp({ showGlobalOptions: true });
      configure(sub, isClient);
    }
  };
  configure(program, false);
  return program;
}

/** Runs the CLI and returns its exit code: 0 ok, 1 a check failed or the server refused, 2 bad usage or environment. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const scoped: CliIo = {
    ...io,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  try {
    await (await buildProgram(scoped, argv)).parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const informational = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      return informational.includes(error.code) ? 0 : 2;
    }
    if (error instanceof ServerError) {
      io.stderr(`trunkflow: ${error.message}\n`);
      for (const line of error.lines) io.stderr(`  - ${line}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      io.stderr(`trunkflow: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(
      `trunkflow: unexpected error: ${(error as Error).stack ?? String(error)}\nPlease report this as a bug.\n`,
    );
    return 70;
  }
}
