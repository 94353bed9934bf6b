// `trunkflow releases list`: the version tags the pipeline made, and how each one's production window went.
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import { listReleases } from '../client/pipeline-client.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha, table } from '../output.js';
import { MAX_LIST_LIMIT, parseLimit } from './runs.js';

export function registerReleases(program: Command, io: CliIo): void {
  const releases = program
    .command('releases')
    .description('See the releases the pipeline tagged and how production took each one');

  releases
    .command('list')
    .description('List releases, newest first')
    .requiredOption('--project <name>', 'project name')
    .option('--limit <n>', `at most this many releases, 1 to ${MAX_LIST_LIMIT} (default: 50)`, parseLimit)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
A release is a version tag that staging made when it passed (the bump comes from the conventional
titles since the last tag). STATUS is:
  tagged        made by staging; production has not deployed it yet
  watching      production serves it and its monitoring window is open
  passed        its window passed (or someone promoted it): the release is done
  failed        its window failed (or was aborted): the rollback is on its way
  rolled-back   production went back to the release before it; INCIDENT names the incident
  inconclusive  its window could not decide: promote it or roll it back
ON WATCH lists the authors of its pull requests, the people the window notifies.

With --format json it prints an array of releases:
  [{"tag", "sha", "status", "prs", "authors", "incident", "createdAt", "updatedAt"}]
"prs" holds the numbers of the release's pull requests and "incident" the id of the incident its
rollback recorded, or null.

Example:
  trunkflow releases list --project shop --limit 10 --format json`,
    )
    .action(async (options: FormatOptions & { project: string; limit?: number }, command: Command) => {
      const listed = await listReleases(await connect(io, command), options.project, options.limit);
      if (options.format === 'json') return printJson(io, listed);
      if (listed.length === 0) {
        return io.stdout(
          `no releases in ${options.project} yet: staging tags one when it passes with a feat, fix, perf or breaking change since the last tag\n`,
        );
      }
      const rows = listed.map((release) => [
        release.tag,
        release.status,
        shortSha(release.sha),
        release.prs.length === 0 ? '-' : release.prs.map((number) => `#${number}`).join(','),
        release.authors.length === 0 ? '-' : release.authors.join(','),
        release.incident ?? '-',
        release.createdAt,
      ]);
      io.stdout(table(io, ['TAG', 'STATUS', 'SHA', 'PRS', 'ON WATCH', 'INCIDENT', 'CREATED'], rows));
    });
}
