// feature-flag: a feat PR references a feature flag, declared in the registry and kebab-case.
import { classifyCommit } from '../../release/index.js';
import {
  compileFlagPatterns,
  findFlagReferences,
  flagEntryExample,
  isKebabCase,
  readFlagRegistry,
} from '../flag-references.js';
import { defineRule } from '../rule.js';

export const featureFlag = defineRule({
  id: 'feature-flag',
  summary: 'A feat PR adds or touches a feature-flag reference; every referenced flag is declared and kebab-case.',
  needs: ['patches', 'flagRegistry'],
  evaluate(facts, config) {
    const type = classifyCommit(facts.pr.title).type;
    if (type === null || !config.types.includes(type)) {
      return {
        status: 'skip',
        message: `only ${config.types.join(', ')} PRs must use a feature flag; this one is ${type ?? 'not a Conventional Commit'}`,
      };
    }
    const patterns = compileFlagPatterns(config.patterns);
    const references = facts.patches.flatMap((patch) =>
      findFlagReferences(patch.path, [...patch.added.map((line) => line.text), ...patch.removed], patterns),
    );
    const registryPath = facts.flagRegistry.path;
    const missing = facts.flagRegistry.content === null;
    /** How to declare `keys`, for a file that exists or one still to be written. */
    const declare = (keys: readonly string[]) =>
      missing
        ? `${registryPath} does not exist: run \`trunkflow init\` to write an example, or create it in flagd format: { "flags": { ${keys.map(flagEntryExample).join(', ')} } }`
        : `add ${keys.length === 1 ? 'it' : 'each'} under "flags" in ${registryPath}, e.g. ${keys.map(flagEntryExample).join(', ')}`;
    if (references.length === 0) {
      return {
        status: 'fail',
        message: `a ${type} PR must reference a feature flag: guard the new behaviour with e.g. useFeatureFlag('my-flag'), and declare the flag in ${registryPath}: ${declare(['my-flag'])}`,
        details: { registry: registryPath },
      };
    }
    const flags = [...new Set(references.map((reference) => reference.flag))].sort();
    const details: Record<string, unknown> = { flags, references: references.slice(0, 50), registry: registryPath };
    const problems: string[] = [];
    const notKebab = flags.filter((flag) => !isKebabCase(flag));
    if (notKebab.length > 0) problems.push(`not kebab-case: ${notKebab.join(', ')} (use names like new-checkout)`);
    if (facts.flagRegistry.content === null) {
      problems.push(`the flags registry ${declare(flags)}, to declare ${flags.join(', ')}`);
    } else {
      const registry = readFlagRegistry(facts.flagRegistry.content);
      if (!registry.ok) {
        problems.push(`the flags registry ${registryPath} ${registry.message}`);
      } else {
        const undeclared = flags.filter((flag) => !registry.flags.has(flag));
        details.undeclared = undeclared;
        if (undeclared.length > 0) {
          problems.push(`not declared in ${registryPath}: ${undeclared.join(', ')}: ${declare(undeclared)}`);
        }
      }
    }
    details.notKebabCase = notKebab;
    if (problems.length > 0) return { status: 'fail', message: problems.join('; '), details };
    return {
      status: 'pass',
      message: `references declared flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}`,
      details,
    };
  },
});
