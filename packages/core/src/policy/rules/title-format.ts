// title-format: the title is a Conventional Commit, since it becomes the squash commit on trunk.
import { classifyCommit } from '../../release/index.js';
import { defineRule } from '../rule.js';

export const titleFormat = defineRule({
  id: 'title-format',
  summary: 'The title is a Conventional Commit (`type(scope): subject`).',
  needs: [],
  evaluate(facts, config) {
    const title = facts.pr.title.trim();
    const shape = `write it as "type(scope): subject" with a type among ${config.types.join(', ')}`;
    if (title === '') return { status: 'fail', message: `the title is empty: ${shape}`, details: { title } };
    const commit = classifyCommit(title);
    if (commit.type === null || !commit.subject) {
      return { status: 'fail', message: `"${title}" is not a Conventional Commit: ${shape}`, details: { title } };
    }
    if (!config.types.includes(commit.type)) {
      return {
        status: 'fail',
        message: `"${commit.type}" is not an allowed type: use one of ${config.types.join(', ')}`,
        details: { title, type: commit.type },
      };
    }
    const details = { title, type: commit.type, scope: commit.scope, breaking: commit.breaking, bump: commit.bump };
    return {
      status: 'pass',
      message: `"${commit.type}${commit.breaking ? '!' : ''}" title${commit.bump ? `, releases a ${commit.bump} version` : ', releases nothing'}`,
      details,
    };
  },
});
