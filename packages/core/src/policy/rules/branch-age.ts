// branch-age: the branch's first commit not on trunk may be at most N days old.
import { DAY_MS, formatDuration, parseInstant } from '../calendar.js';
import { defineRule } from '../rule.js';

export const branchAge = defineRule({
  id: 'branch-age',
  summary: "The branch's first commit not on trunk is younger than the limits (warn after 1 day, fail after 2).",
  needs: ['branchCommits'],
  evaluate(facts, config, context) {
    const first = facts.branchCommits[0];
    if (first === undefined) {
      return { status: 'skip', message: `the branch has no commits that are not on ${context.trunk}` };
    }
    const ageMs = parseInstant(facts.now).getTime() - parseInstant(first.authoredAt).getTime();
    const details = {
      firstCommit: first.sha,
      firstCommitAt: first.authoredAt,
      ageHours: Math.round((ageMs / 3_600_000) * 10) / 10,
      warnAfterDays: config.warnAfterDays,
      failAfterDays: config.failAfterDays,
    };
    const age = formatDuration(Math.max(0, ageMs));
    if (ageMs > config.failAfterDays * DAY_MS) {
      return {
        status: 'fail',
        message: `the branch's first commit is ${age} old, above the limit of ${config.failAfterDays} days: merge what is ready and start a fresh branch from ${context.trunk}`,
        details,
      };
    }
    if (ageMs > config.warnAfterDays * DAY_MS) {
      return {
        status: 'warn',
        message: `the branch's first commit is ${age} old (warn after ${config.warnAfterDays} days, fail after ${config.failAfterDays})`,
        details,
      };
    }
    return { status: 'pass', message: `the branch's first commit is ${age} old`, details };
  },
});
