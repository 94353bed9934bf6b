// Slack Block Kit's limits for a message, and safe truncation of text to them, counted in characters.
import type { ActionsBlock, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';

/**
 * The limits Slack documents for messages (Block Kit reference: blocks, text objects, button).
 * `totalText` is ours: Slack has refused messages well under 50 full sections (msg_blocks_too_long
 * near 13,000 characters of blocks, slackapi/bolt-js#2509), so a message stays below 12,000.
 */
export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
  /** Slack truncates a message's top-level `text` past 40,000; ours stays far below. */
  messageText: 40_000,
  totalText: 12_000,
} as const;

/** What an incoming webhook is sent: a fallback `text` (notifications, screen readers) and the blocks. */
export interface SlackPayload {
  text: string;
  blocks: KnownBlock[];
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Text cut to at most `max` characters with an ellipsis, never inside a character or a grapheme
 * (an emoji with its modifiers, a letter with its accents). Length is counted in UTF-16 code units,
 * which is never less than the count of characters, however a receiver counts them.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const budget = max - 1;
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end).trimEnd()}…`;
}

/**
 * `truncate` for mrkdwn: a cut never leaves half a link (`<url|label>`) or half an entity
 * (`&amp;`), which Slack would show as markup.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = truncate(text, max).slice(0, -1);
  const open = kept.lastIndexOf('<');
  if (open > kept.lastIndexOf('>')) kept = kept.slice(0, open);
  const amp = kept.lastIndexOf('&');
  if (amp > kept.lastIndexOf(';')) kept = kept.slice(0, amp);
  return `${kept.trimEnd()}…`;
}

/** Slack reads `&`, `<` and `>` as markup in mrkdwn (links, mentions such as <!channel>): escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A mrkdwn link whose label cannot break out of it. */
export function mrkdwnLink(url: string, label: string): string {
  const safeUrl = url.replaceAll('|', '%7C').replaceAll('<', '%3C').replaceAll('>', '%3E');
  return `<${safeUrl}|${escapeMrkdwn(label)}>`;
}

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** Every way `payload` breaks a Block Kit limit; empty when Slack would take it. */
export function blockKitProblems(payload: SlackPayload): string[] {
  const problems: string[] = [];
  let total = 0;
  const checkText = (where: string, text: unknown, max: number) => {
    if (typeof text !== 'string' || text.length === 0) {
      problems.push(`${where}: text must be 1 to ${max} characters`);
      return;
    }
    total += text.length;
    if (text.length > max) problems.push(`${where}: ${text.length} characters, over ${max}`);
    if (hasLoneSurrogate(text)) problems.push(`${where}: holds a lone UTF-16 surrogate`);
  };
  checkText('text', payload.text, BLOCK_KIT_LIMITS.messageText);
  total = 0;
  const { blocks } = payload;
  if (blocks.length === 0 || blocks.length > BLOCK_KIT_LIMITS.blocks) {
    problems.push(`blocks: ${blocks.length}, must be 1 to ${BLOCK_KIT_LIMITS.blocks}`);
  }
  blocks.forEach((block, index) => {
    const where = `blocks[${index}] (${block.type})`;
    switch (block.type) {
      case 'header': {
        const header = block as HeaderBlock;
        if (header.text.type !== 'plain_text') problems.push(`${where}: a header takes plain_text`);
        checkText(where, header.text.text, BLOCK_KIT_LIMITS.headerText);
        break;
      }
      case 'section': {
        const section = block as SectionBlock;
        if (section.text === undefined && section.fields === undefined) problems.push(`${where}: needs text or fields`);
        if (section.text !== undefined) checkText(`${where}.text`, section.text.text, BLOCK_KIT_LIMITS.sectionText);
        const fields = section.fields ?? [];
        if (section.fields !== undefined && (fields.length === 0 || fields.length > BLOCK_KIT_LIMITS.sectionFields)) {
          problems.push(`${where}: ${fields.length} fields, must be 1 to ${BLOCK_KIT_LIMITS.sectionFields}`);
        }
        fields.forEach((field, i) => {
          checkText(`${where}.fields[${i}]`, field.text, BLOCK_KIT_LIMITS.fieldText);
        });
        break;
      }
      case 'context': {
        const context = block as ContextBlock;
        const count = context.elements.length;
        if (count === 0 || count > BLOCK_KIT_LIMITS.contextElements) {
          problems.push(`${where}: ${count} elements, must be 1 to ${BLOCK_KIT_LIMITS.contextElements}`);
        }
        context.elements.forEach((element, i) => {
          if (element.type === 'mrkdwn' || element.type === 'plain_text') {
            checkText(`${where}.elements[${i}]`, element.text, BLOCK_KIT_LIMITS.contextText);
          }
        });
        break;
      }
      case 'actions': {
        const actions = block as ActionsBlock;
        const count = actions.elements.length;
        if (count === 0 || count > BLOCK_KIT_LIMITS.actionsElements) {
          problems.push(`${where}: ${count} elements, must be 1 to ${BLOCK_KIT_LIMITS.actionsElements}`);
        }
        const ids = new Set<string>();
        actions.elements.forEach((element, i) => {
          if (element.type !== 'button') return;
          const at = `${where}.elements[${i}]`;
          checkText(at, element.text.text, BLOCK_KIT_LIMITS.buttonText);
          if (element.url !== undefined && element.url.length > BLOCK_KIT_LIMITS.buttonUrl) {
            problems.push(`${at}: url of ${element.url.length} characters, over ${BLOCK_KIT_LIMITS.buttonUrl}`);
          }
          if (element.action_id !== undefined) {
            if (element.action_id.length > BLOCK_KIT_LIMITS.actionId) problems.push(`${at}: action_id too long`);
            if (ids.has(element.action_id)) problems.push(`${at}: action_id "${element.action_id}" repeats`);
            ids.add(element.action_id);
          }
        });
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${where}: a block type this message never uses`);
    }
  });
  if (total > BLOCK_KIT_LIMITS.totalText) {
    problems.push(`blocks: ${total} characters of text in all, over ${BLOCK_KIT_LIMITS.totalText}`);
  }
  return problems;
}
