// linked-task: the branch name or the title names a task key.
import { defineRule } from '../rule.js';

/** The task key the branch names, else the one the title names, with `pattern`; null if neither. */
export function findTaskKey(
  pattern: string,
  branch: string | null,
  title: string,
): { task: string; foundIn: 'branch' | 'title' } | null {
  const regex = new RegExp(pattern, 'u');
  const inBranch = branch === null ? null : regex.exec(branch);
  if (inBranch) return { task: inBranch[0], foundIn: 'branch' };
  const inTitle = regex.exec(title);
  return inTitle ? { task: inTitle[0], foundIn: 'title' } : null;
}

export const linkedTask = defineRule({
  id: 'linked-task',
  summary: 'The branch or the title names a task key (default pattern [A-Z][A-Z0-9]+-\\d+).',
  needs: [],
  evaluate(facts, config) {
    const found = findTaskKey(config.pattern, facts.pr.branch, facts.pr.title);
    if (found) {
      return { status: 'pass', message: `the ${found.foundIn} names task ${found.task}`, details: found };
    }
    return {
      status: 'fail',
      message: `neither the branch nor the title names a task key matching /${config.pattern}/: name the branch like feature/TF-12-short-name`,
      details: { pattern: config.pattern, branch: facts.pr.branch, title: facts.pr.title },
    };
  },
});
