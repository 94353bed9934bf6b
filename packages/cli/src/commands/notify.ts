// `trunkflow notify add|list|remove`: a project's notification targets (Slack incoming webhooks, signed webhooks); maintainers only.
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import {
  addTarget,
  listTargets,
  NOTIFICATION_EVENTS,
  NOTIFICATION_KINDS,
  type NotificationKindName,
  type NotificationTarget,
  removeTarget,
} from '../client/notify-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, table } from '../output.js';

interface AddOptions extends FormatOptions {
  project: string;
  url?: string;
  urlEnv?: string;
  name?: string;
  secret?: string;
  secretEnv?: string;
  events?: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The value of exactly one of `--<flag>` and `--<flag>-env`, read from the environment for the second. */
function oneOf(io: CliIo, flag: string, direct: string | undefined, envName: string | undefined): string | undefined {
  if (direct !== undefined && envName !== undefined) {
    throw new UsageError(`give --${flag} or --${flag}-env, not both`);
  }
  if (envName === undefined) return direct;
  const value = io.env[envName];
  if (value === undefined || value === '') {
    throw new UsageError(`--${flag}-env ${envName}: that environment variable is not set (or is empty)`);
  }
  return value;
}

/** Quick local checks, so a typo needs no round trip; the server has the last word. */
function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('the URL is not a URL: give a full one starting with https:// (or http://)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`the URL must start with http:// or https://, not ${parsed.protocol}//`);
  }
  return url;
}

function checkEvents(list: string): string[] {
  const events = list
    .split(',')
    .map((event) => event.trim())
    .filter(Boolean);
  const known = NOTIFICATION_EVENTS as readonly string[];
  const unknown = events.filter((event) => !known.includes(event));
  if (events.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--events ${unknown.length > 0 ? `has unknown ${unknown.map((event) => `"${event}"`).join(', ')}` : 'is empty'}: use a comma-separated list of ${NOTIFICATION_EVENTS.join(', ')} (or leave it out for all)`,
    );
  }
  return events;
}

function checkName(name: string, what: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(`${what} "${name}" is not valid: use lowercase letters, digits and "-" (up to 63)`);
  }
  return name;
}

function lastDelivery(target: NotificationTarget): string {
  const last = target.lastDelivery;
  if (last === null) return '-';
  if (last.ok) return `ok ${last.at} (${last.event})`;
  return `failed ${last.at} (${last.event}, attempt ${last.attempt}): ${last.error ?? 'unknown error'}`;
}

export function registerNotify(program: Command, io: CliIo): void {
  const notify = program
    .command('notify')
    .description("Send a project's deploy and release outcomes to Slack or a signed webhook (needs a maintainer)");

  notify
    .command('add')
    .description('Add a notification target: a Slack incoming webhook, or a URL sent signed JSON')
    .argument('<kind>', `${NOTIFICATION_KINDS.join(' or ')}`)
    .requiredOption('--project <name>', 'project name')
    .option('--url <url>', 'where to POST: a Slack incoming-webhook URL, or your receiver (http:// or https://)')
    .option(
      '--url-env <variable>',
      'read the URL from this environment variable instead, keeping it out of shell history',
    )
    .option('--name <name>', 'a name for it, unique in the project (default: the kind)')
    .option('--events <list>', `comma-separated events to send (default: all of ${NOTIFICATION_EVENTS.join(', ')})`)
    .option(
      '--secret <secret>',
      'webhook only: the signing secret, 16 to 256 characters (default: one made by the server, shown once)',
    )
    .option('--secret-env <variable>', 'webhook only: read the signing secret from this environment variable')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The URL and the signing secret are stored encrypted on the server and never shown back: a
webhook's secret is printed once, here. Each delivery is a job, retried with backoff; see how
the last one went with \`trunkflow notify list\`, and failed ones in \`trunkflow admin jobs list\`.

Events:
${NOTIFICATION_EVENTS.map((event) => `  ${event}`).join('\n')}

A webhook is POSTed JSON with the headers X-Trunkflow-Timestamp (Unix seconds) and
X-Trunkflow-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>;
refuse a timestamp more than 5 minutes off, and apply each Idempotency-Key once
(docs/server.md, "Notifications").

With --format json it prints {"target": {...}, "secret": "..." | null}.

Examples:
  trunkflow notify add slack --project shop --url-env SLACK_WEBHOOK_URL --events release.failed,release.rolled_back,release.inconclusive
  trunkflow notify add webhook --project shop --name ops --url https://ops.example.com/trunkflow`,
    )
    .action(async (kind: string, options: AddOptions, command: Command) => {
      const found = NOTIFICATION_KINDS.find((known) => known === kind);
      if (found === undefined) {
        throw new UsageError(`unknown target kind "${kind}": use ${NOTIFICATION_KINDS.join(' or ')}`);
      }
      const checkedKind: NotificationKindName = found;
      const url = oneOf(io, 'url', options.url, options.urlEnv);
      if (url === undefined) throw new UsageError('give the URL to POST to with --url <url> or --url-env <variable>');
      const secret = oneOf(io, 'secret', options.secret, options.secretEnv);
      if (secret !== undefined && checkedKind === 'slack') {
        throw new UsageError('a Slack target takes no --secret: its incoming-webhook URL is the secret');
      }
      const input = {
        kind: checkedKind,
        url: checkUrl(url.trim()),
        ...(options.name === undefined ? {} : { name: checkName(options.name, '--name') }),
        ...(options.events === undefined ? {} : { events: checkEvents(options.events) }),
        ...(secret === undefined ? {} : { secret }),
      };
      const added = await addTarget(await connect(io, command), options.project, input);
      if (options.format === 'json') return printJson(io, added);
      const { target } = added;
      io.stdout(
        `added ${target.kind} target ${target.name} to ${options.project} (${target.url})\n  sent: ${target.events.join(', ')}\n`,
      );
      if (added.secret !== null) {
        io.stdout(
          `signing secret ${added.secret} — store it now, it is not shown again\n  verify X-Trunkflow-Signature with it (docs/server.md, "Notifications")\n`,
        );
      }
    });

  notify
    .command('list')
    .description('List the notification targets, with how each last delivery went (never their secrets)')
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nWith --format json it prints {"targets": [...]}, each with name, kind, url, events, lastDelivery.',
    )
    .action(async (options: FormatOptions & { project: string }, command: Command) => {
      const targets = await listTargets(await connect(io, command), options.project);
      if (options.format === 'json') return printJson(io, { targets });
      if (targets.length === 0) {
        return io.stdout(
          `no notification targets in ${options.project}: add one with \`trunkflow notify add slack --project ${options.project} --url …\`\n`,
        );
      }
      io.stdout(
        table(
          io,
          ['NAME', 'KIND', 'URL', 'EVENTS', 'LAST DELIVERY'],
          targets.map((target) => [
            target.name,
            target.kind,
            target.url,
            target.events.join(','),
            lastDelivery(target),
          ]),
        ),
      );
    });

  notify
    .command('remove')
    .description('Remove a notification target; deliveries still queued for it are dropped')
    .argument('<name>', 'the target name, from `trunkflow notify list`')
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .action(async (name: string, options: FormatOptions & { project: string }, command: Command) => {
      const removed = await removeTarget(await connect(io, command), options.project, checkName(name, 'target name'));
      if (options.format === 'json') return printJson(io, removed);
      io.stdout(`removed ${removed.kind} target ${removed.name} from ${options.project}\n`);
    });
}
