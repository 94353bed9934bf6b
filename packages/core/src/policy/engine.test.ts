import { describe, expect, it } from 'vitest';
import { defaultConfig, type TrunkflowConfig } from './config.js';
import { evaluate, isPassing, neededFacts, RULES } from './engine.js';
import { type FactName, type Finding, type FindingStatus, type PolicyFacts, RULE_IDS, type RuleId } from './types.js';

const ALL_FACTS: FactName[] = [
  'changedFiles',
  'patches',
  'gitattributes',
  'branchCommits',
  'authorPullRequests',
  'flagRegistry',
  'coverage',
];

/** A PR that every rule is happy with (coverage has no report, so it skips). */
function goodFacts(): PolicyFacts {
  return {
    now: '2026-03-10T12:00:00Z',
    pr: {
      title: 'feat(cart): new checkout',
      body: '## User flows tested\n\n- [x] paid by card\n',
      branch: 'feature/TF-12-new-checkout',
      author: { name: 'Ada', email: 'ada@example.com' },
    },
    changedFiles: [{ path: 'src/checkout.ts', added: 40, deleted: 3, binary: false }],
    patches: [{ path: 'src/checkout.ts', added: [{ line: 1, text: "useFeatureFlag('new-checkout')" }], removed: [] }],
    gitattributes: '',
    branchCommits: [{ sha: 'a1', authoredAt: '2026-03-10T08:00:00Z' }],
    authorPullRequests: [],
    flagRegistry: { path: 'flags.json', content: '{"flags":{"new-checkout":{}}}' },
    coverage: { current: null, baseline: null, packages: [''] },
  };
}

/** The same PR with a problem for every rule that can fail. */
function badFacts(): PolicyFacts {
  return {
    ...goodFacts(),
    pr: { title: 'feat: stuff', body: null, branch: 'stuff', author: { name: 'Ada', email: 'ada@example.com' } },
    changedFiles: [{ path: 'src/checkout.ts', added: 500, deleted: 0, binary: false }],
    patches: [],
    branchCommits: [{ sha: 'a1', authoredAt: '2026-03-01T08:00:00Z' }],
    authorPullRequests: [{ ref: '7', openedAt: '2026-03-10T09:00:00Z', source: 'pull-request' }],
  };
}

function withoutFacts(facts: PolicyFacts, ...names: FactName[]): PolicyFacts {
  const copy: PolicyFacts = { ...facts };
  for (const name of names) delete copy[name];
  return copy;
}

function configWith(change: (config: TrunkflowConfig) => void): TrunkflowConfig {
  const config = structuredClone(defaultConfig());
  change(config);
  return config;
}

function byId(findings: Finding[]): Record<RuleId, Finding> {
  return Object.fromEntries(findings.map((finding) => [finding.id, finding])) as Record<RuleId, Finding>;
}

function statuses(findings: Finding[]): Record<string, FindingStatus> {
  return Object.fromEntries(findings.map((finding) => [finding.id, finding.status]));
}

describe('evaluate', () => {
  it('runs every rule on a good PR', () => {
    expect(statuses(evaluate(goodFacts(), defaultConfig()))).toEqual({
      'title-format': 'pass',
      'linked-task': 'pass',
      'pr-size': 'pass',
      'daily-pr-limit': 'pass',
      'branch-age': 'pass',
      'feature-flag': 'pass',
      'user-flow-checklist': 'pass',
      coverage: 'skip',
    });
  });

  it('reports each rule’s problem on a bad PR', () => {
    expect(statuses(evaluate(badFacts(), defaultConfig()))).toEqual({
      'title-format': 'pass',
      'linked-task': 'fail',
      'pr-size': 'fail',
      'daily-pr-limit': 'fail',
      'branch-age': 'fail',
      'feature-flag': 'fail',
      'user-flow-checklist': 'fail',
      coverage: 'skip',
    });
  });

  it.each([
    { name: 'a good PR', facts: goodFacts(), config: defaultConfig() },
    { name: 'a bad PR', facts: badFacts(), config: defaultConfig() },
    { name: 'no optional facts', facts: withoutFacts(goodFacts(), ...ALL_FACTS), config: defaultConfig() },
    {
      name: 'every rule disabled',
      facts: goodFacts(),
      config: configWith((c) => {
        for (const id of RULE_IDS) c.rules[id].enabled = false;
      }),
    },
  ])('returns one finding per rule in a fixed order, each with a message, for $name', ({ facts, config }) => {
    const findings = evaluate(facts, config);
    expect(findings.map((f) => f.id)).toEqual(RULES.map((rule) => rule.id));
    expect([...findings.map((f) => f.id)].sort()).toEqual([...RULE_IDS].sort());
    for (const finding of findings) {
      expect(finding.message.trim(), `${finding.id} (${finding.status})`).not.toBe('');
      expect(finding.details).toBeTypeOf('object');
    }
  });

  it('keeps the order whatever order the facts come in', () => {
    const facts = goodFacts();
    const reordered = Object.fromEntries(Object.entries(facts).reverse()) as unknown as PolicyFacts;
    expect(evaluate(reordered, defaultConfig())).toEqual(evaluate(facts, defaultConfig()));
  });

  it.each(RULE_IDS.map((id) => [id]))('skips %s when it is disabled, and leaves the others alone', (id) => {
    const config = configWith((c) => {
      c.rules[id].enabled = false;
    });
    const findings = byId(evaluate(badFacts(), config));
    const baseline = byId(evaluate(badFacts(), defaultConfig()));
    expect(findings[id]).toEqual({
      id,
      status: 'skip',
      message: expect.stringContaining(`rules.${id}.enabled: false`),
      details: {},
    });
    for (const other of RULE_IDS.filter((ruleId) => ruleId !== id)) expect(findings[other]).toEqual(baseline[other]);
  });

  it.each(
    RULES.filter((rule) => rule.needs.length > 0).flatMap((rule) =>
      rule.needs.map((fact) => ({ id: rule.id, fact, needs: rule.needs })),
    ),
  )('skips $id when the $fact fact is missing, and names it', ({ id, fact }) => {
    const finding = byId(evaluate(withoutFacts(goodFacts(), fact), defaultConfig()))[id];
    expect(finding?.status).toBe('skip');
    expect(finding?.message).toContain(fact);
    expect(finding?.details).toEqual({ missingFacts: [fact] });
  });

  it('names every missing fact of a rule', () => {
    const finding = byId(evaluate(withoutFacts(goodFacts(), ...ALL_FACTS), defaultConfig()))['pr-size'];
    expect(finding.details).toEqual({ missingFacts: ['changedFiles', 'gitattributes'] });
    expect(finding.message).toContain('changedFiles, gitattributes');
  });

  it('still runs the rules that need no gathered facts when facts are missing', () => {
    const findings = byId(evaluate(withoutFacts(badFacts(), ...ALL_FACTS), defaultConfig()));
    expect(findings['linked-task'].status).toBe('fail');
    expect(findings['user-flow-checklist'].status).toBe('fail');
    expect(findings['title-format'].status).toBe('pass');
  });

  it('says "disabled" rather than "missing facts" for a disabled rule without its facts', () => {
    const config = configWith((c) => {
      c.rules['pr-size'].enabled = false;
    });
    const finding = byId(evaluate(withoutFacts(goodFacts(), 'changedFiles'), config))['pr-size'];
    expect(finding.status).toBe('skip');
    expect(finding.message).toContain('disabled');
  });

  it('passes the configured time zone and trunk to the rules', () => {
    const facts: PolicyFacts = {
      ...goodFacts(),
      now: '2026-03-10T02:00:00Z',
      authorPullRequests: [{ ref: '7', openedAt: '2026-03-09T12:00:00Z', source: 'pull-request' }],
      branchCommits: [],
    };
    const utc = byId(evaluate(facts, defaultConfig()));
    const saoPaulo = byId(
      evaluate(
        facts,
        configWith((c) => {
          c.timezone = 'America/Sao_Paulo';
          c.trunk = 'develop';
        }),
      ),
    );
    expect(utc['daily-pr-limit'].status).toBe('pass');
    expect(saoPaulo['daily-pr-limit'].status).toBe('fail');
    expect(saoPaulo['branch-age'].message).toContain('develop');
  });

  // A blank title must come back as a title-format failure, not crash the whole check.
  it.each(['', '   '])('evaluates a PR titled %j without throwing', (title) => {
    const facts = { ...goodFacts(), pr: { ...goodFacts().pr, title } };
    const findings = byId(evaluate(facts, defaultConfig()));
    expect(findings['title-format'].status).toBe('fail');
    expect(findings['feature-flag'].status).toBe('skip');
  });
});

describe('neededFacts', () => {
  it('asks for every fact when every rule is enabled', () => {
    expect([...neededFacts(defaultConfig())].sort()).toEqual([...ALL_FACTS].sort());
  });

  it.each([
    { disabled: ['pr-size'], absent: ['changedFiles', 'gitattributes'] },
    { disabled: ['daily-pr-limit'], absent: ['authorPullRequests'] },
    { disabled: ['branch-age'], absent: ['branchCommits'] },
    // coverage also reads patches, so disabling feature-flag alone keeps them.
    { disabled: ['feature-flag'], absent: ['flagRegistry'] },
    { disabled: ['coverage'], absent: ['coverage'] },
    { disabled: ['feature-flag', 'coverage'], absent: ['flagRegistry', 'coverage', 'patches'] },
    { disabled: ['title-format', 'linked-task', 'user-flow-checklist'], absent: [] },
    { disabled: [...RULE_IDS], absent: ALL_FACTS },
  ] as { disabled: RuleId[]; absent: FactName[] }[])(
    'leaves out $absent when $disabled is disabled',
    ({ disabled, absent }) => {
      const config = configWith((c) => {
        for (const id of disabled) c.rules[id].enabled = false;
      });
      const expected = ALL_FACTS.filter((fact) => !absent.includes(fact)).sort();
      expect([...neededFacts(config)].sort()).toEqual(expected);
    },
  );

  it('gathers enough for every enabled rule to run', () => {
    const config = configWith((c) => {
      c.rules['pr-size'].enabled = false;
      c.rules.coverage.enabled = false;
    });
    const needed = neededFacts(config);
    const facts = withoutFacts(goodFacts(), ...ALL_FACTS.filter((fact) => !needed.has(fact)));
    for (const finding of evaluate(facts, config)) {
      expect(finding.details.missingFacts, finding.id).toBeUndefined();
    }
  });
});

describe('isPassing', () => {
  const finding = (status: FindingStatus): Finding => ({ id: 'pr-size', status, message: status, details: {} });

  it.each([
    { statuses: [], passing: true },
    { statuses: ['pass'], passing: true },
    { statuses: ['warn'], passing: true },
    { statuses: ['skip'], passing: true },
    { statuses: ['pass', 'warn', 'skip'], passing: true },
    { statuses: ['fail'], passing: false },
    { statuses: ['pass', 'warn', 'skip', 'fail'], passing: false },
  ] as { statuses: FindingStatus[]; passing: boolean }[])('$statuses → $passing', ({ statuses, passing }) => {
    expect(isPassing(statuses.map(finding))).toBe(passing);
  });

  it('agrees with the findings of a real evaluation', () => {
    expect(isPassing(evaluate(goodFacts(), defaultConfig()))).toBe(true);
    expect(isPassing(evaluate(badFacts(), defaultConfig()))).toBe(false);
  });
});
