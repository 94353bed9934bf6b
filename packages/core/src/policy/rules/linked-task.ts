// linked-task: the branch name or the title names a task key.
import { defineRule } from '../rule.js';

/** The task key the branch names, else the one the title names, with `pattern`; null if neither. */
export function findTaskKey(pattern: string, branch: string | null, title: string): string | null {
  const regex = new RegExp(pattern, 'u');
  return (branch === null ? null : regex.exec(branch)?.[0]) ?? regex.exec(title)?.[0] ?? null;
}

export const linkedTask = defineRule({
  id: 'linked-task',
  summary: 'The branch or the title names a task key (default pattern [A-Z][A-Z0-9]+-\\d+).',
  needs: [],
  evaluate(facts, config) {
    const pattern = new RegExp(config.pattern, 'u');
    for (const [where, text] of [
      ['branch', facts.pr.branch],
      ['title', facts.pr.title],
    ] as const) {
      const match = text === null ? null : pattern.exec(text);
      if (match) {
        return {
          status: 'pass',
          message: `the ${where} names task ${match[0]}`,
          details: { task: match[0], foundIn: where },
        };
      }
    }
    return {
      status: 'fail',
      message: `neither the branch nor the title names a task key matching /${config.pattern}/: name the branch like feature/TF-12-short-name`,
      details: { pattern: config.pattern, branch: facts.pr.branch, title: facts.pr.title },
    };
  },
});
