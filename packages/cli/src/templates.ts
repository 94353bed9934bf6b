// The files `trunkflow init` writes: a commented trunkflow.yml, a PR template and an example flags file.
import { disabledFlagDefinition, USER_FLOW_PLACEHOLDER } from '@trunkflow/core';

export const CONFIG_TEMPLATE = `# trunkflow.yml: the team's PR rules, checked by \`trunkflow check\` on every PR update.
# Every key is optional; the values shown are the defaults. \`trunkflow config schema\` prints them all.

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
