// The files `trunkflow init` writes: a commented trunkflow.yml, a PR template and an example flags file.
import { disabledFlagDefinition, USER_FLOW_PLACEHOLDER } from '@trunkflow/core';

const RULES_TEMPLATE = `# trunkflow.yml: the team's PR rules, checked by \`trunkflow check\` on every PR update, and
# the environments a Trunkflow server deploys the app to.
# Every key is optional; the values shown are the defaults. \`trunkflow config schema\` prints them all,
# and \`trunkflow config docs\` is the reference.

# The trunk branch that PRs merge into.
trunk: main
# The team's IANA time zone: "one PR per day" uses its calendar days.
timezone: UTC

rules:
  # Added plus deleted lines, leaving out lock files, linguist-generated files,
  # the globs below and binary files.
  pr-size:
    warnAbove: 200
    failAbove: 400
    exclude:
      - "**/__snapshots__/**"
      - "**/*.snap"

  # Most PRs one author opens per calendar day.
  daily-pr-limit:
    max: 1

  # Age of the branch's first commit that is not on trunk.
  branch-age:
    warnAfterDays: 1
    failAfterDays: 2

  # feat PRs must reference a flag declared in this flagd-format file.
  feature-flag:
    registry: flags.json
    types: [feat]

  # The PR body's checklist of the user flows that were tested.
  user-flow-checklist:
    heading: User flows tested

  # Line coverage per package may not fall below the trunk baseline minus the threshold.
  coverage:
    threshold: 0
    baseline: .trunkflow/coverage-baseline.json
    reports: []

  # Titles become the squash commit on trunk, so they must be Conventional Commits.
  title-format:
    types: [feat, fix, perf, revert, refactor, docs, test, build, ci, chore, style]

  # The branch or title must name a task key.
  linked-task:
    pattern: "[A-Z][A-Z0-9]+-\\\\d+"

`;

const ENVIRONMENTS_TEMPLATE = `# What a Trunkflow server deploys: only the environments written here. These are a Node app's:
# \`npm ci\`, \`npm run build\` when package.json has a build script, then \`npm start\`, which must
# listen on PORT and answer 2xx on /healthz. Commands are argument lists, never run by a shell.
environments:
  # One per open PR, at pr-<n>.<project>.localhost; destroyed when the PR merges or closes,
  # or when nobody deployed it for \`ttl\`.
  preview:
    deployer: process
    install: npm ci
    build: auto
    start: npm start
    healthPath: /healthz
    ttl: 14d

  # Trunk, deployed on every merge, then tested; a pass tags the release.
  staging:
    # The command that tests the deployed app, with its address in TRUNKFLOW_URL, e.g. npm run test:e2e.
    test: false

  # Deployed from each new tag, then watched: a failed window rolls back to the last good tag.
  production:
    monitor:
      duration: 30m
      interval: 1m
      # Failed measurements tolerated (0: the first failure rolls back).
      failureLimit: 0
      # Measurements with no data tolerated before the window ends inconclusive (the people on watch are told).
      inconclusiveLimit: 3
      consecutiveErrorLimit: 4
      checks:
        - provider: http
          path: /healthz
          maxLatency: 5s
        # More error lines in the app's output than maxPerMinute fails the window:
        # - provider: logs
        #   maxPerMinute: 10
        # An error rate from your Prometheus:
        # - provider: prometheus
        #   url: http://127.0.0.1:9090
        #   query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
        #   failureCondition: result >= 0.05
        #   successCondition: result < 0.05
`;

/**
 * The trunkflow.yml `init` writes. Without a package.json the folder holds no Node app yet, so the
 * environments are written commented out: a server would otherwise try, and fail, to deploy it.
 */
export function configTemplate({ nodeApp }: { nodeApp: boolean }): string {
  if (nodeApp) return `${RULES_TEMPLATE}${ENVIRONMENTS_TEMPLATE}`;
  const commented = ENVIRONMENTS_TEMPLATE.replace(/^(?=.)/gm, '# ');
  return `${RULES_TEMPLATE}# No package.json was here when \`trunkflow init\` ran, so nothing is deployed yet. Once
# \`npm start\` runs the app, uncomment this section (remove one "# " from each line).
${commented}`;
}

export const PR_TEMPLATE = `<!-- Title: a Conventional Commit, e.g. "feat(checkout): pay with a saved card (TF-12)". -->

## What and why

<!-- What this PR changes and which task it serves. Keep it small: one PR a day, under 200 lines. -->

## Feature flags

<!-- New features ship behind a flag declared in flags.json, disabled by default. -->

## User flows tested

<!-- List each user flow you tested on the preview, and tick it once it works. -->

- [ ] ${USER_FLOW_PLACEHOLDER}
`;

/** The key of the example flag in the flags file `init` writes. */
export const EXAMPLE_FLAG = 'example-flag';

/** A flagd flag-definition file with one flag, off: the registry the feature-flag rule reads. */
export const FLAGS_TEMPLATE = `${JSON.stringify(
  { $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { [EXAMPLE_FLAG]: disabledFlagDefinition() } },
  null,
  2,
)}
`;
