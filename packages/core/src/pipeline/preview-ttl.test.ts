import { describe, expect, it } from 'vitest';
import { expiredPreviews, type PreviewFacts, previewExpiry } from './preview-ttl.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;

const preview = (facts: Partial<PreviewFacts> = {}): PreviewFacts => ({
  envKey: 'pr-1',
  prNumber: 1,
  destroyed: false,
  busy: false,
  lastDeployAt: NOW - DAY,
  ttlMs: 14 * DAY,
  ...facts,
});

describe('previewExpiry', () => {
  it.each<[string, Partial<PreviewFacts>, boolean, string]>([
    ['deployed a day ago, 14d ttl', {}, false, 'deployed within its ttl 14d; 13d left'],
    ['idle exactly its ttl', { lastDeployAt: NOW - 14 * DAY }, true, 'no deploy for 14d, at least its ttl 14d'],
    [
      'idle one ms short of its ttl',
      { lastDeployAt: NOW - 14 * DAY + 1 },
      false,
      'deployed within its ttl 14d; 1ms left',
    ],
    ['idle 20 days', { lastDeployAt: NOW - 20 * DAY - 1500 }, true, 'no deploy for 20d1s, at least its ttl 14d'],
    [
      'a short ttl of its own',
      { ttlMs: 3_600_000, lastDeployAt: NOW - 2 * 3_600_000 },
      true,
      'no deploy for 2h, at least its ttl 1h',
    ],
    ['already destroyed, however old', { destroyed: true, lastDeployAt: 0 }, false, 'already destroyed'],
    ['old but a run of it is queued', { busy: true, lastDeployAt: 0 }, false, 'a run of it is queued or running'],
    [
      'a last deploy after now (clock set back)',
      { lastDeployAt: NOW + DAY },
      false,
      'deployed within its ttl 14d; 14d left',
    ],
  ])('%s', (_name, facts, expired, reason) => {
    expect(previewExpiry(preview(facts), NOW)).toEqual({ expired, reason });
  });
});

describe('expiredPreviews', () => {
  it('picks the expired ones, in order, with their reasons', () => {
    const previews = [
      preview({ envKey: 'pr-1', prNumber: 1, lastDeployAt: NOW - 15 * DAY }),
      preview({ envKey: 'pr-2', prNumber: 2 }),
      preview({ envKey: 'pr-3', prNumber: 3, lastDeployAt: NOW - 30 * DAY, destroyed: true }),
      preview({ envKey: 'pr-4', prNumber: 4, lastDeployAt: NOW - 14 * DAY }),
    ];
    expect(expiredPreviews(previews, NOW).map(({ preview: p, reason }) => [p.envKey, reason])).toEqual([
      ['pr-1', 'no deploy for 15d, at least its ttl 14d'],
      ['pr-4', 'no deploy for 14d, at least its ttl 14d'],
    ]);
  });

  it('is empty with no previews', () => {
    expect(expiredPreviews([], NOW)).toEqual([]);
  });
});
