// user-flow-checklist: the PR body's "User flows tested" section lists tested flows, all checked.
import type { Heading, ListItem, Nodes, Root, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';
import { toString as textOf } from 'mdast-util-to-string';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { defineRule } from '../rule.js';

function normalise(text: string): string {
  return text
    .trim()
    .replace(/[:\s]+$/u, '')
    .replace(/\s+/gu, ' ')
    .toLowerCase();
}

/** The nodes under the first heading whose text contains `title`, up to the next heading of its level or above. */
function findSection(root: Root, title: string): { heading: Heading; nodes: RootContent[] } | null {
  const wanted = normalise(title);
  const children = root.children;
  const start = children.findIndex((node) => node.type === 'heading' && normalise(textOf(node)).includes(wanted));
  const heading = children[start];
  if (heading === undefined || heading.type !== 'heading') return null;
  const nodes: RootContent[] = [];
  for (const node of children.slice(start + 1)) {
    if (node.type === 'heading' && node.depth <= heading.depth) break;
    nodes.push(node);
  }
  return { heading, nodes };
}

/**
 * The item `trunkflow init`'s PR template ends with. A template cannot hold an empty item (GFM
 * reads `- [ ] ` as no task at all), so it holds this text, and the rule knows it is not a flow.
 */
export const USER_FLOW_PLACEHOLDER = 'replace this with a user flow you tested, e.g. "signed up with email"';

const EXAMPLE_ITEM = '"- [x] signed up with email"';

function collectTaskItems(node: Nodes, into: ListItem[]): void {
  if (node.type === 'listItem' && typeof node.checked === 'boolean') into.push(node);
  if ('children' in node) for (const child of node.children) collectTaskItems(child, into);
}

export const userFlowChecklist = defineRule({
  id: 'user-flow-checklist',
  summary: 'The PR body has a "User flows tested" section with at least one task-list item, all checked.',
  needs: [],
  evaluate(facts, config) {
    const example = `add "## ${config.heading}" to the PR body with items like ${EXAMPLE_ITEM}`;
    const body = facts.pr.body ?? '';
    if (body.trim() === '') return { status: 'fail', message: `the PR body is empty: ${example}` };
    // Only GFM's task-list items matter here; the rest of GFM (tables, autolinks…) would cost start-up time.
    const root = fromMarkdown(body, {
      extensions: [gfmTaskListItem()],
      mdastExtensions: [gfmTaskListItemFromMarkdown()],
    });
    const section = findSection(root, config.heading);
    if (section === null) {
      return { status: 'fail', message: `the PR body has no "${config.heading}" section: ${example}` };
    }
    const items: ListItem[] = [];
    for (const node of section.nodes) collectTaskItems(node, items);
    if (items.length === 0) {
      return {
        status: 'fail',
        message: `the "${config.heading}" section lists no task items: under it, list each user flow you tested as a task item like ${EXAMPLE_ITEM}`,
        details: { heading: textOf(section.heading) },
      };
    }
    const flows = items.map((item) => ({ flow: textOf(item).trim(), checked: item.checked === true }));
    const placeholder = normalise(USER_FLOW_PLACEHOLDER);
    if (flows.some((flow) => normalise(flow.flow) === placeholder)) {
      return {
        status: 'fail',
        message: `the "${config.heading}" section still holds the template's placeholder item: replace the placeholder with the flows you tested, one item each, like ${EXAMPLE_ITEM}`,
        details: { heading: textOf(section.heading), flows },
      };
    }
    const unchecked = flows.filter((flow) => !flow.checked).map((flow) => flow.flow);
    const details = { heading: textOf(section.heading), flows };
    if (unchecked.length > 0) {
      return {
        status: 'fail',
        message: `${unchecked.length} of ${flows.length} user flows not checked: test ${unchecked.map((f) => `"${f}"`).join(', ')} and tick ${unchecked.length === 1 ? 'it' : 'them'}`,
        details,
      };
    }
    return { status: 'pass', message: `${flows.length} user flow${flows.length === 1 ? '' : 's'} tested`, details };
  },
});
