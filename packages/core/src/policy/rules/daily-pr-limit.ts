// daily-pr-limit: at most N PRs per author per calendar day in the team's time zone.
import { calendarDay } from '../calendar.js';
import { defineRule } from '../rule.js';

export const dailyPrLimit = defineRule({
  id: 'daily-pr-limit',
  summary: 'An author opens at most the configured number of PRs per calendar day (default 1).',
  needs: ['authorPullRequests'],
  evaluate(facts, config, context) {
    const author = facts.pr.author;
    if (author === null) {
      return { status: 'skip', message: 'the PR has no known author, so its daily count cannot be taken' };
    }
    // A PR is judged on the day it was opened, so a later push cannot move it to a quieter day.
    const today = calendarDay(facts.pr.openedAt ?? facts.now, context.timezone);
    const sameDay = facts.authorPullRequests.filter((pr) => calendarDay(pr.openedAt, context.timezone) === today);
    const count = sameDay.length + 1;
    const details = {
      author: author.email || author.name,
      day: today,
      timezone: context.timezone,
      count,
      max: config.max,
      others: sameDay,
    };
    const who = author.name || author.email;
    // With no server there is no list of PRs: only squash merges on trunk show one was merged, so
    // the reason says what was counted (a plain commit pushed to trunk is not a PR).
    const counted =
      facts.pr.openedAt === undefined
        ? ` (counted without a server: this change and ${who}'s squash merges on ${context.trunk}, whose subjects end in "(#n)")`
        : '';
    if (count > config.max) {
      return {
        status: 'fail',
        message: `${who} has ${count} PRs on ${today} (${context.timezone}), above the limit of ${config.max}: fold this change into today's PR or open it tomorrow${counted}`,
        details,
      };
    }
    return {
      status: 'pass',
      message: `${who} has ${count} PR${count === 1 ? '' : 's'} on ${today} (${context.timezone}), within the limit of ${config.max}${counted}`,
      details,
    };
  },
});
