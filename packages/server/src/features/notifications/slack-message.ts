// The Slack message for one notification: a Block Kit payload that stays within Slack's limits however large the release.
import type { Button, KnownBlock, MrkdwnElement } from '@slack/types';
import {
  BLOCK_KIT_LIMITS,
  escapeMrkdwn,
  mrkdwnLink,
  type SlackPayload,
  truncate,
  truncateMrkdwn,
} from './block-kit.js';
import { NOTIFICATION_EVENT_INFO } from './event-types.js';
import type { NormalizedMessage } from './message.js';

/** How much of the message's text budget each list may take; the rest is the fixed fields. */
const AUTHORS_BUDGET = 1500;
const SUMMARY_BUDGET = 1000;
/** Two sections of pull requests at most: the first full, the second smaller. */
const PULL_BUDGETS = [BLOCK_KIT_LIMITS.sectionText, 2000] as const;
const PULL_TITLE = 150;

const STATUS_EMOJI: Record<string, string> = {
  succeeded: ':white_check_mark:',
  passed: ':white_check_mark:',
  ready: ':eyes:',
  failed: ':x:',
  'rolled-back': ':rewind:',
  inconclusive: ':warning:',
};

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha;
}

/** The tag, else the short sha: what a person calls this version. */
export function versionOf(message: NormalizedMessage): string {
  return message.tag ?? shortSha(message.sha);
}

export function headlineOf(message: NormalizedMessage): string {
  return NOTIFICATION_EVENT_INFO[message.type].headline(message.environment, versionOf(message));
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });

/**
 * Items joined by `separator`, as many as fit in `budget` characters (after escaping), then
 * "and N more" for the rest and for `omitted` (items cut before the job was queued).
 */
function fitList(items: readonly string[], omitted: number, budget: number, separator: string): string {
  let text = '';
  let shown = 0;
  for (const item of items) {
    const next = shown === 0 ? item : `${text}${separator}${item}`;
    // Room is kept for the longest "and N more" line.
    if (next.length > budget - 40) break;
    text = next;
    shown += 1;
  }
  const rest = items.length - shown + omitted;
  if (rest > 0) text = `${text}${shown > 0 ? separator : ''}…and ${rest} more`;
  return text;
}

function pullLine(pull: NormalizedMessage['pullRequests'][number]): string {
  const label = truncate(`#${pull.number} ${pull.title}`, PULL_TITLE);
  return `• ${pull.url ? mrkdwnLink(pull.url, label) : escapeMrkdwn(label)}`;
}

/** The pull requests in at most two sections, each within its budget. */
function pullSections(message: NormalizedMessage): string[] {
  const lines = message.pullRequests.map(pullLine);
  const sections: string[] = [];
  let index = 0;
  for (const [section, budget] of PULL_BUDGETS.entries()) {
    if (index >= lines.length) break;
    let text = section === 0 ? `*Pull requests (${lines.length + message.pullRequestsOmitted})*` : '';
    // The last section keeps room for "…and N more".
    const room = section === PULL_BUDGETS.length - 1 ? budget - 40 : budget;
    while (index < lines.length) {
      const line = lines[index] as string;
      const next = text === '' ? line : `${text}\n${line}`;
      if (next.length > room) break;
      text = next;
      index += 1;
    }
    sections.push(text);
  }
  const rest = lines.length - index + message.pullRequestsOmitted;
  if (rest > 0) {
    const more = `…and ${rest} more`;
    if (sections.length === 0) sections.push(`*Pull requests (${rest})*\n${more}`);
    else sections[sections.length - 1] = `${sections[sections.length - 1]}\n${more}`;
  }
  return sections.map((text, section) => truncateMrkdwn(text, PULL_BUDGETS[section] ?? BLOCK_KIT_LIMITS.sectionText));
}

function field(label: string, value: string): MrkdwnElement {
  return mrkdwn(truncateMrkdwn(`*${label}*\n${value}`, BLOCK_KIT_LIMITS.fieldText));
}

/** The URL as a link when it fits in a field, else as text (the Open button still links it). */
function urlField(url: string | null): MrkdwnElement {
  if (url === null) return field('URL', '—');
  const link = mrkdwnLink(url, truncate(url, 200));
  return field('URL', link.length <= BLOCK_KIT_LIMITS.fieldText - 10 ? link : escapeMrkdwn(truncate(url, 200)));
}

/** The Block Kit message for `message` in `project`. */
export function slackMessage(project: string, message: NormalizedMessage): SlackPayload {
  const info = NOTIFICATION_EVENT_INFO[message.type];
  const headline = headlineOf(message);
  const emoji = STATUS_EMOJI[info.status] ?? ':information_source:';
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(headline, BLOCK_KIT_LIMITS.headerText), emoji: true },
    },
  ];
  const sha = /^[0-9a-f]{40}$/.test(message.sha) ? `\`${message.sha.slice(0, 12)}\`` : escapeMrkdwn(message.sha || '—');
  blocks.push({
    type: 'section',
    fields: [
      field('Project', escapeMrkdwn(project)),
      field('Environment', escapeMrkdwn(message.environment)),
      field('Status', `${emoji} ${escapeMrkdwn(info.status)}`),
      field('Tag', message.tag ? escapeMrkdwn(message.tag) : '—'),
      field('Commit', sha),
      urlField(message.url),
    ],
  });
  if (message.summary) {
    blocks.push({
      type: 'section',
      text: mrkdwn(truncateMrkdwn(escapeMrkdwn(message.summary), SUMMARY_BUDGET)),
    });
  }
  if (message.authors.length > 0 || message.authorsOmitted > 0) {
    const authors = fitList(message.authors.map(escapeMrkdwn), message.authorsOmitted, AUTHORS_BUDGET, ', ');
    blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`*On watch*\n${authors}`, AUTHORS_BUDGET)) });
  }
  for (const text of pullSections(message)) blocks.push({ type: 'section', text: mrkdwn(text) });
  const buttons: Button[] = [];
  if (message.url) {
    buttons.push({
      type: 'button',
      action_id: 'open',
      text: { type: 'plain_text', text: truncate(`Open ${message.environment}`, BLOCK_KIT_LIMITS.buttonText) },
      url: message.url,
    });
  }
  if (message.logsUrl) {
    buttons.push({
      type: 'button',
      action_id: 'logs',
      text: { type: 'plain_text', text: 'Logs' },
      url: message.logsUrl,
    });
  }
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(truncateMrkdwn(`Trunkflow · ${escapeMrkdwn(message.type)} · ${escapeMrkdwn(message.occurredAt)}`, 300)),
    ],
  });
  // The fallback text shows in notifications and to screen readers: the headline and the project.
  return { text: truncate(`${headline} (${project})`, BLOCK_KIT_LIMITS.sectionText), blocks };
}
