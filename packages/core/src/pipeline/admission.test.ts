import { describe, expect, it } from 'vitest';
import { type AdmissionRun, admit } from './admission.js';

// Shorthand: "id env status trigger createdAt sha" — kind follows from the environment's name.
function r(spec: string): AdmissionRun {
  const [id = '', environment = '', status = '', trigger = '', createdAt = '0', sha = 'a'.repeat(40)] = spec.split(' ');
  const kind = environment.startsWith('pr-') ? 'preview' : environment === 'staging' ? 'staging' : 'production';
  return {
    id,
    environment,
    kind,
    status: status as AdmissionRun['status'],
    trigger: trigger as AdmissionRun['trigger'],
    createdAt: Number(createdAt),
    sha: sha.padEnd(40, '0'),
  };
}

describe('admit', () => {
  it.each<[name: string, runs: string[], start: string[], cancel: string[]]>([
    ['nothing open', ['a production succeeded deploy 1', 'b staging failed deploy 2'], [], []],
    ['one queued run starts', ['a production queued deploy 1'], ['a'], []],
    ['a running run holds its environment', ['a production running deploy 1', 'b production queued deploy 2'], [], []],
    [
      'production deploys queue in creation order',
      ['c production queued deploy 3', 'b production queued deploy 2', 'd production queued deploy 4'],
      ['b'],
      [],
    ],
    [
      'staging: two quick trunk changes go one at a time, oldest first, none dropped',
      ['a staging queued deploy 10', 'b staging queued deploy 11'],
      ['a'],
      [],
    ],
    ['equal creation times fall back to the id', ['y staging queued deploy 5', 'x staging queued deploy 5'], ['x'], []],
    [
      'each environment has its own turn',
      [
        'a staging running deploy 1',
        'b staging queued deploy 2',
        'c production queued deploy 3',
        'd pr-1 queued deploy 4',
      ],
      ['c', 'd'],
      [],
    ],
    [
      'a finished run frees its environment',
      ['a production succeeded deploy 1', 'b production queued deploy 2'],
      ['b'],
      [],
    ],
    [
      'a queued rollback goes before older queued deploys',
      ['a production queued deploy 1', 'b production queued rollback 2'],
      ['b'],
      [],
    ],
    [
      'a rollback still waits for the running run',
      ['a production running deploy 1', 'b production queued rollback 2'],
      [],
      [],
    ],
    [
      'a newer commit cancels the queued preview of the same PR',
      ['a pr-7 running deploy 1', 'b pr-7 queued deploy 2', 'c pr-7 queued deploy 3'],
      [],
      ['b'],
    ],
    [
      'the newest queued preview starts once the older ones are canceled',
      ['a pr-7 queued deploy 1', 'b pr-7 queued deploy 2', 'c pr-7 queued deploy 3'],
      ['c'],
      ['a', 'b'],
    ],
    ['a running preview is never canceled by admission', ['a pr-7 running deploy 1', 'b pr-7 queued deploy 2'], [], []],
    [
      'previews of different PRs do not cancel each other',
      ['a pr-1 queued deploy 1', 'b pr-2 queued deploy 2'],
      ['a', 'b'],
      [],
    ],
    [
      'a queued destroy supersedes the queued deploy of the same preview',
      ['a pr-3 queued deploy 1', 'b pr-3 queued destroy 2'],
      ['b'],
      ['a'],
    ],
    ['a queued destroy is never superseded', ['a pr-3 queued destroy 1', 'b pr-3 queued deploy 2'], ['a'], []],
    [
      'an older preview run that already ended does not supersede',
      ['a pr-3 succeeded deploy 1', 'b pr-3 queued deploy 2'],
      ['b'],
      [],
    ],
  ])('%s', (_name, specs, start, cancel) => {
    const admission = admit(specs.map(r));
    expect(admission.start.map((each) => each.runId).sort()).toEqual(start);
    expect(admission.cancel.map((each) => each.runId)).toEqual(cancel);
  });

  it('says which run supersedes and which commits', () => {
    const admission = admit([r('a pr-7 queued deploy 1 1111111'), r('b pr-7 queued deploy 2 2222222')]);
    expect(admission.cancel).toEqual([
      {
        runId: 'a',
        reason: 'superseded by run b: a newer commit 2222222 replaces 1111111 on pr-7 before this deploy started',
      },
    ]);
  });

  it('says a destroy made the queued deploy pointless', () => {
    const admission = admit([r('a pr-7 queued deploy 1'), r('b pr-7 queued destroy 2')]);
    expect(admission.cancel[0]?.reason).toMatch(/^superseded by run b: pr-7 is being destroyed/);
  });

  it('names the environment of each run it starts', () => {
    expect(admit([r('a staging queued deploy 1')]).start).toEqual([{ runId: 'a', environment: 'staging' }]);
  });
});
