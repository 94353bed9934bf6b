import { defaultConfig, evaluate, type PolicyFacts, type TrunkflowConfig } from '@trunkflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { RuleRunner, RulesTimeoutError } from './rule-runner.js';

const facts: PolicyFacts = {
  now: '2026-03-02T10:00:00.000Z',
  pr: {
    title: 'fix: keep the cart (TF-7)',
    body: '## User flows tested\n\n- [x] checkout\n',
    branch: 'feature/TF-7-cart',
    author: { name: 'Dana', email: 'dana@example.com' },
  },
  changedFiles: [{ path: 'src/cart.ts', added: 12, deleted: 3, binary: false }],
  gitattributes: '',
};

/** `(a+)+$` against many a's and then a mismatch takes exponential time in a backtracking engine. */
function catastrophic(): TrunkflowConfig {
  const config = defaultConfig();
  return {
    ...config,
    rules: { ...config.rules, 'linked-task': { ...config.rules['linked-task'], pattern: '(a+)+$' } },
  };
}
const SLOW_BRANCH = `feature/${'a'.repeat(40)}-x`;

describe('RuleRunner', () => {
  const runner = new RuleRunner(1000);
  afterAll(() => runner.close());

  it('gives the findings the engine gives in this thread', async () => {
    const config = defaultConfig();
    expect(await runner.evaluate(facts, config)).toEqual(evaluate(facts, config));
  });

  it('finds the task key in the branch, else in the title', async () => {
    expect(await runner.findTaskKey('[A-Z]+-\\d+', 'feature/TF-1-x', 'fix: y (TF-2)')).toBe('TF-1');
    expect(await runner.findTaskKey('[A-Z]+-\\d+', 'feature/x', 'fix: y (TF-2)')).toBe('TF-2');
    expect(await runner.findTaskKey('[A-Z]+-\\d+', 'feature/x', 'fix: y')).toBeNull();
  });

  it('stops a catastrophic pattern with an error that names the fix, then keeps working', async () => {
    const slow = runner.evaluate({ ...facts, pr: { ...facts.pr, branch: SLOW_BRANCH, title: 'aaaa' } }, catastrophic());
    // Queued behind the stuck call: it must be resent to the new worker, not lost with the old one.
    const queued = runner.findTaskKey('[A-Z]+-\\d+', 'feature/TF-3-x', 'fix');
    const error = await slow.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(RulesTimeoutError);
    expect((error as Error).message).toContain('linked-task.pattern');
    expect(await queued).toBe('TF-3');
    expect(await runner.evaluate(facts, defaultConfig())).toEqual(evaluate(facts, defaultConfig()));
  });

  it('reports an error thrown by the engine as that error', async () => {
    await expect(runner.findTaskKey('(', 'b', 't')).rejects.toThrow(/regular expression/i);
  });
});
