// pr-size: added plus deleted lines, leaving out lock files, generated, excluded and binary files.
import { generatedMatcher } from '../gitattributes.js';
import { globMatcher } from '../glob.js';
import { defineRule } from '../rule.js';

type ExclusionReason = 'lock-file' | 'linguist-generated' | 'excluded-glob';

const LARGEST_FILES_SHOWN = 10;

export const prSize = defineRule({
  id: 'pr-size',
  summary: 'Added plus deleted lines stay under the target (warn) and the maximum (fail).',
  needs: ['changedFiles', 'gitattributes'],
  evaluate(facts, config) {
    const isGenerated = generatedMatcher(facts.gitattributes);
    const lockFiles = new Set(config.lockFiles);
    // A glob without a slash matches a base name at any depth, as in .gitignore.
    const excludeGlobs = config.exclude.map((glob) => globMatcher(glob));
    const counted: { path: string; added: number; deleted: number }[] = [];
    const excluded: { path: string; reason: ExclusionReason }[] = [];
    const binary: string[] = [];
    for (const file of facts.changedFiles) {
      const baseName = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (file.binary || file.added === null || file.deleted === null) binary.push(file.path);
      else if (lockFiles.has(baseName)) excluded.push({ path: file.path, reason: 'lock-file' });
      else if (isGenerated(file.path)) excluded.push({ path: file.path, reason: 'linguist-generated' });
      else if (excludeGlobs.some((matches) => matches(file.path)))
        excluded.push({ path: file.path, reason: 'excluded-glob' });
      else counted.push({ path: file.path, added: file.added, deleted: file.deleted });
    }
    const added = counted.reduce((sum, file) => sum + file.added, 0);
    const deleted = counted.reduce((sum, file) => sum + file.deleted, 0);
    const total = added + deleted;
    const largestFiles = [...counted]
      // Ties by path in code-unit order: stable across machines, and no locale collation per pair.
      .sort((a, b) => b.added + b.deleted - (a.added + a.deleted) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .slice(0, LARGEST_FILES_SHOWN);
    const details = {
      total,
      added,
      deleted,
      warnAbove: config.warnAbove,
      failAbove: config.failAbove,
      countedFiles: counted.length,
      largestFiles,
      excluded,
      binary,
    };
    const leftOut = excluded.length + binary.length;
    const note = leftOut > 0 ? ` (${leftOut} file${leftOut === 1 ? '' : 's'} not counted)` : '';
    if (total > config.failAbove) {
      return {
        status: 'fail',
        message: `${total} lines changed${note}, above the maximum of ${config.failAbove}: split the change into smaller PRs`,
        details,
      };
    }
    if (total > config.warnAbove) {
      return {
        status: 'warn',
        message: `${total} lines changed${note}, above the target of ${config.warnAbove} (maximum ${config.failAbove})`,
        details,
      };
    }
    return {
      status: 'pass',
      message: `${total} lines changed${note}, within the target of ${config.warnAbove}`,
      details,
    };
  },
});
