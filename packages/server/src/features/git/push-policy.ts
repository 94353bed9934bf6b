// Which ref updates a push may make: pure rules over the pusher's role and the project's trunk.
import { checkRefFormat } from '@trunkflow/core';
import { ZERO_SHA } from '@trunkflow/git';
import { type Role, roleAtLeast } from '../../platform/auth/roles.js';

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

/** An open pull request whose head is a branch this push touches. */
export interface OpenPullOnBranch {
  branch: string;
  number: number;
  authorId: string;
  author: string;
}

export interface PushContext {
  updates: readonly RefUpdate[];
  trunk: string;
  /** The project's name, for commands in the messages. */
  project: string;
  /** Who pushes: only they (as author) or a maintainer may delete a branch with an open PR. */
  pusherId: string;
  /** Open PRs on the branches this push deletes (more are harmless). */
  openPulls: readonly OpenPullOnBranch[];
  /** Whether trunk exists in the repository before this push. */
  trunkExists: boolean;
  role: Role;
  allowDirectTrunkPush: boolean;
}

export type PushDecision = { accepted: true } | { accepted: false; messages: string[] };

const SHA = /^[0-9a-f]{40}$/;

function refusal(update: RefUpdate, context: PushContext): string | null {
  const { ref } = update;
  if (!SHA.test(update.oldSha) || !SHA.test(update.newSha)) return `${ref}: malformed update`;
  if (ref.startsWith('refs/tags/')) {
    return roleAtLeast(context.role, 'maintainer')
      ? null
      : `${ref}: tags are created by the release pipeline; only maintainers may push tags`;
  }
  if (!ref.startsWith('refs/heads/')) return `${ref}: only branches (refs/heads/…) can be pushed`;
  const branch = ref.slice('refs/heads/'.length);
  const problem = checkRefFormat(branch);
  if (problem !== null) return `branch name "${branch}" ${problem}`;
  if (branch !== context.trunk) {
    if (update.newSha !== ZERO_SHA || roleAtLeast(context.role, 'maintainer')) return null;
    const pull = context.openPulls.find((open) => open.branch === branch);
    if (pull === undefined || pull.authorId === context.pusherId) return null;
    return `${branch} is the branch of open pull request #${pull.number} by ${pull.author}: only ${pull.author} or a maintainer may delete it. Ask them to close or merge it (trunkflow pr close ${pull.number} --project ${context.project})`;
  }
  if (update.newSha === ZERO_SHA) return `${branch} is the trunk and cannot be deleted`;
  if (!context.trunkExists) {
    return roleAtLeast(context.role, 'maintainer')
      ? null
      : `the first push creates the trunk (${branch}) and needs a maintainer: ask a maintainer to push the initial commit`;
  }
  if (context.allowDirectTrunkPush && roleAtLeast(context.role, 'developer')) return null;
  return `direct pushes to ${branch} are refused: trunk changes come from merges. Push a branch (git push origin HEAD:feature/TF-1-my-change) and open a pull request with \`trunkflow pr open\``;
}

export function decidePush(context: PushContext): PushDecision {
  const messages = context.updates
    .map((update) => refusal(update, context))
    .filter((message): message is string => message !== null);
  return messages.length === 0 ? { accepted: true } : { accepted: false, messages };
}

/**
 * Whether git applied an accepted update, from where its ref stands now (`current`, ZERO_SHA if
 * absent): at the new sha, or (a later push built on it) at a descendant of it. A ref still at its
 * old sha, or moved by another writer who won the ref's lock, did not take this update.
 */
export async function updateLanded(
  update: RefUpdate,
  current: string,
  isAncestor: (ancestor: string, descendant: string) => Promise<boolean>,
): Promise<boolean> {
  if (current === update.newSha) return true;
  if (current === update.oldSha || current === ZERO_SHA || update.newSha === ZERO_SHA) return false;
  return isAncestor(update.newSha, current);
}
