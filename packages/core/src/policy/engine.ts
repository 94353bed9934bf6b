// evaluate(facts, config) → findings: runs every rule in a fixed order, purely.
import type { TrunkflowConfig } from './config.js';
import { type AnyRule, type RuleContext, toFinding } from './rule.js';
import { branchAge } from './rules/branch-age.js';
import { coverage } from './rules/coverage.js';
import { dailyPrLimit } from './rules/daily-pr-limit.js';
import { featureFlag } from './rules/feature-flag.js';
import { linkedTask } from './rules/linked-task.js';
import { prSize } from './rules/pr-size.js';
import { titleFormat } from './rules/title-format.js';
import { userFlowChecklist } from './rules/user-flow-checklist.js';
import type { FactName, Finding, PolicyFacts } from './types.js';

export const RULES: readonly AnyRule[] = [
  titleFormat,
  linkedTask,
  prSize,
  dailyPrLimit,
  branchAge,
  featureFlag,
  userFlowChecklist,
  coverage,
] as AnyRule[];

/** The facts the enabled rules need, so callers gather nothing more. */
export function neededFacts(config: TrunkflowConfig): Set<FactName> {
  const needed = new Set<FactName>();
  for (const rule of RULES) {
    if (!config.rules[rule.id].enabled) continue;
    for (const fact of rule.needs) needed.add(fact);
  }
  return needed;
}

export function evaluate(facts: PolicyFacts, config: TrunkflowConfig): Finding[] {
  const context: RuleContext = { timezone: config.timezone, trunk: config.trunk };
  return RULES.map((rule) => {
    const ruleConfig = config.rules[rule.id];
    if (!ruleConfig.enabled) {
      return toFinding(rule.id, {
        status: 'skip',
        message: `disabled in trunkflow.yml (rules.${rule.id}.enabled: false)`,
      });
    }
    const missing = rule.needs.filter((fact) => facts[fact] === undefined);
    if (missing.length > 0) {
      return toFinding(rule.id, {
        status: 'skip',
        message: `not evaluated: the check had no ${missing.join(', ')} facts`,
        details: { missingFacts: missing },
      });
    }
    // The union of rule types cannot be narrowed per element; each rule's own
    // declaration types its config, so the cast only joins the two halves.
    const evaluateRule = rule.evaluate as (
      f: PolicyFacts,
      c: typeof ruleConfig,
      x: RuleContext,
    ) => ReturnType<typeof rule.evaluate>;
    return toFinding(rule.id, evaluateRule(facts, ruleConfig, context));
  });
}

/** A check passes when no finding failed; warnings and skips do not block. */
export function isPassing(findings: readonly Finding[]): boolean {
  return findings.every((finding) => finding.status !== 'fail');
}
