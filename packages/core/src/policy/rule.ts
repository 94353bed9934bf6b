// The shape every policy rule has: a pure function of the facts it declares.
import type { RuleConfig, RulesConfig, TrunkflowConfig } from './config.js';
import type { FactName, Finding, FindingStatus, PolicyFacts, RuleId } from './types.js';

export interface RuleContext {
  /** The team's IANA time zone. */
  timezone: string;
  trunk: string;
}

/** Facts with the ones a rule declared guaranteed present. */
export type FactsWith<Needs extends FactName> = PolicyFacts & Required<Pick<PolicyFacts, Needs>>;

export interface Rule<
  Id extends RuleId & keyof RulesConfig = RuleId & keyof RulesConfig,
  Needs extends FactName = FactName,
> {
  id: Id;
  /** One line for `--help` and docs. */
  summary: string;
  /** Facts the rule reads; when one is missing the engine skips the rule and says which. */
  needs: readonly Needs[];
  evaluate(facts: FactsWith<Needs>, config: RuleConfig<Id>, context: RuleContext): RuleOutcome;
}

export interface RuleOutcome {
  status: FindingStatus;
  message: string;
  details?: Record<string, unknown>;
}

/** Helper so each rule file gets its facts and config typed from its declaration. */
export function defineRule<Id extends RuleId, Needs extends FactName>(rule: Rule<Id, Needs>): Rule<Id, Needs> {
  return rule;
}

export type AnyRule = { [Id in RuleId]: Rule<Id, FactName> }[RuleId];

export function toFinding(id: RuleId, outcome: RuleOutcome): Finding {
  return { id, status: outcome.status, message: outcome.message, details: outcome.details ?? {} };
}

export type { TrunkflowConfig };
