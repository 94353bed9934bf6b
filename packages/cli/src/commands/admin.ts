// `trunkflow admin`: users, API tokens and project memberships (needs an admin token).
import { ROLES, type RoleName } from '@trunkflow/api';
import { type Command, Option } from 'commander';
import { connect } from '../client/connection.js';
import { cancelJob, JOB_STATES, type JobState, listJobs, retryJob } from '../client/jobs-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, table } from '../output.js';

function parseRole(value: string): RoleName {
  const role = ROLES.find((known) => known === value);
  if (role === undefined) throw new UsageError(`unknown role "${value}": use one of ${ROLES.join(', ')}`);
  return role;
}

/** A quick local check, so a typo does not need a round trip; the server has the last word. */
function checkEmail(value: string): string {
  const email = value.trim();
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(email)) {
    throw new UsageError(`--email "${value}" is not an e-mail address: give one such as alice@example.com`);
  }
  return email;
}

export function registerAdmin(program: Command, io: CliIo): void {
  const admin = program
    .command('admin')
    .description('Manage users, API tokens, project memberships and background jobs (needs an admin token)');

  const user = admin.command('user').description('Create, list and update users');
  user
    .command('create')
    .description('Create a user with its first API token, printed once')
    .argument('<name>', 'user name: lowercase letters, digits, ".", "_" or "-"')
    .addOption(new Option('--role <role>', 'instance-wide role').choices(ROLES).default('developer'))
    .option(
      '--email <address>',
      "e-mail the user's squash commits and Co-authored-by trailers carry (default: <name>@trunkflow.local)",
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
With --format json it prints {"user": {...}, "token": "..."}.

Example:
  trunkflow admin user create alice --role developer --email alice@example.com --format json`,
    )
    .action(async (name: string, options: FormatOptions & { role: RoleName; email?: string }, command: Command) => {
      const email = options.email === undefined ? undefined : checkEmail(options.email);
      const client = await connect(io, command);
      const created = await client.createUser(name, options.role, email);
      if (options.format === 'json') return printJson(io, created);
      io.stdout(
        `created user ${created.user.name} <${created.user.email}> (${created.user.role})\n` +
          `token ${created.token} — store it now, it is not shown again\n` +
          `  trunkflow login --server ${client.server} --token ${created.token}\n`,
      );
    });
  user
    .command('list')
    .description('List users')
    .addOption(formatOption())
    .action(async (options: FormatOptions, command: Command) => {
      const users = await (await connect(io, command)).listUsers();
      if (options.format === 'json') return printJson(io, { users });
      io.stdout(
        table(
          io,
          ['NAME', 'EMAIL', 'ROLE', 'CREATED'],
          users.map((entry) => [entry.name, entry.email, entry.role, entry.createdAt]),
        ),
      );
    });
  user
    .command('update')
    .description("Change a user's e-mail; later squash commits use it, earlier ones keep theirs")
    .argument('<name>', 'user name')
    .requiredOption('--email <address>', 'the new e-mail, e.g. alice@example.com')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
With --format json it prints the user.

Example:
  trunkflow admin user update alice --email alice@example.com`,
    )
    .action(async (name: string, options: FormatOptions & { email: string }, command: Command) => {
      const email = checkEmail(options.email);
      const updated = await (await connect(io, command)).updateUser(name, { email });
      if (options.format === 'json') return printJson(io, updated);
      io.stdout(`updated user ${updated.name}: e-mail ${updated.email}\n`);
    });

  const token = admin.command('token').description('Create, list and revoke API tokens');
  token
    .command('create')
    .description('Create another API token for a user, printed once (e.g. for CI, or to replace a lost one)')
    .argument('<user>', 'user name')
    .option('--label <label>', 'what the token is for, up to 100 characters (default: cli)')
    .addOption(formatOption())
    .action(async (userName: string, options: FormatOptions & { label?: string }, command: Command) => {
      if (options.label !== undefined && (options.label.length === 0 || options.label.length > 100)) {
        throw new UsageError('--label must be 1 to 100 characters');
      }
      const client = await connect(io, command);
      const created = await client.createToken(userName, options.label);
      if (options.format === 'json') return printJson(io, created);
      io.stdout(`token for ${created.user.name}: ${created.token} — store it now, it is not shown again\n`);
    });

  token
    .command('list')
    .description("List a user's tokens: ids, labels and when they were last used (never the secrets)")
    .argument('<user>', 'user name')
    .addOption(formatOption())
    .action(async (userName: string, options: FormatOptions, command: Command) => {
      const tokens = await (await connect(io, command)).listTokens(userName);
      if (options.format === 'json') return printJson(io, { tokens });
      io.stdout(
        table(
          io,
          ['ID', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'],
          tokens.map((t) => [t.id, t.label, t.createdAt, t.lastUsedAt ?? '-', t.revokedAt ?? '-']),
        ),
      );
    });
  token
    .command('revoke')
    .description('Revoke a token by id (from `trunkflow admin token list`): it stops working at once')
    .argument('<id>', 'token id')
    .addOption(formatOption())
    .action(async (id: string, options: FormatOptions, command: Command) => {
      const revoked = await (await connect(io, command)).revokeToken(id);
      if (options.format === 'json') return printJson(io, revoked);
      io.stdout(`revoked token ${revoked.id} (${revoked.label})\n`);
    });

  const member = admin.command('member').description("Set users' roles in projects");
  member
    .command('set')
    .description("Set a user's role in one project (it overrides their instance-wide role there)")
    .argument('<project>', 'project name')
    .argument('<user>', 'user name')
    .argument('<role>', `one of ${ROLES.join(', ')}`)
    .addOption(formatOption())
    .action(async (project: string, userName: string, role: string, options: FormatOptions, command: Command) => {
      const checkedRole = parseRole(role);
      const membership = await (await connect(io, command)).setMember(project, userName, checkedRole);
      if (options.format === 'json') return printJson(io, membership);
      io.stdout(`${membership.user} is now ${membership.role} in ${membership.project}\n`);
    });

  registerAdminJobs(admin, io);
}

/** A job id as the server lists it: digits only, checked here so a typo needs no round trip. */
function checkJobId(value: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(value)) {
    throw new UsageError(`job id "${value}" is not a job id: use one from \`trunkflow admin jobs list\``);
  }
  return value;
}

/** `trunkflow admin jobs list|retry|cancel`: the durable job queue, failed jobs first of all. */
function registerAdminJobs(admin: Command, io: CliIo): void {
  const jobs = admin.command('jobs').description('See background jobs, retry failed ones, cancel queued ones');
  jobs
    .command('list')
    .description(
      'List jobs that have not finished: queued (or waiting to retry), running, or failed with their last error',
    )
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--limit <n>', 'at most this many jobs, 1 to 1000', '100')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
With --format json it prints {"jobs": [...]}, each with id, name, state, attempts, maxAttempts, runAt, lastError.

Example:
  trunkflow admin jobs list --state failed`,
    )
    .action(async (options: FormatOptions & { state?: JobState; limit: string }, command: Command) => {
      const limit = Number(options.limit);
      if (!/^[1-9][0-9]*$/.test(options.limit) || limit > 1000) {
        throw new UsageError(`--limit "${options.limit}" must be a whole number from 1 to 1000`);
      }
      const listed = await listJobs(await connect(io, command), options.state, limit);
      if (options.format === 'json') return printJson(io, { jobs: listed });
      if (listed.length === 0) return io.stdout(options.state ? `no ${options.state} jobs\n` : 'no jobs\n');
      io.stdout(
        table(
          io,
          ['ID', 'NAME', 'STATE', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'],
          listed.map((job) => [
            job.id,
            job.name,
            job.state,
            `${job.attempts}/${job.maxAttempts}`,
            job.runAt,
            (job.lastError ?? '-').split('\n')[0] ?? '-',
          ]),
        ),
      );
    });
  jobs
    .command('retry')
    .description('Run a failed job again, with its attempts reset')
    .argument('<id>', 'job id (from `trunkflow admin jobs list --state failed`)')
    .addOption(formatOption())
    .action(async (id: string, options: FormatOptions, command: Command) => {
      const job = await retryJob(await connect(io, command), checkJobId(id));
      if (options.format === 'json') return printJson(io, job);
      io.stdout(`job ${job.id} (${job.name}) queued to run again\n`);
    });
  jobs
    .command('cancel')
    .description('Remove a queued or failed job so it never runs (a running job cannot be cancelled)')
    .argument('<id>', 'job id (from `trunkflow admin jobs list`)')
    .addOption(formatOption())
    .action(async (id: string, options: FormatOptions, command: Command) => {
      const job = await cancelJob(await connect(io, command), checkJobId(id));
      if (options.format === 'json') return printJson(io, job);
      io.stdout(`job ${job.id} (${job.name}) cancelled\n`);
    });
}
