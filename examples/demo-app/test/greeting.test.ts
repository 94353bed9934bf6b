// Tests greeting() for mornings and afternoons only: the evening branch stays uncovered so
// the demo's coverage report has a real gap for Trunkflow's coverage rule to see.
import { describe, expect, it } from 'vitest';
import { greeting } from '../src/greeting.js';

describe('greeting', () => {
  it.each([
    { name: 'Ada', hour: 9, expected: 'Good morning, Ada!' },
    { name: '  Grace ', hour: 0, expected: 'Good morning, Grace!' },
    { name: 'Linus', hour: 14, expected: 'Good afternoon, Linus!' },
    { name: '', hour: 12, expected: 'Good afternoon, there!' },
  ])('greets $name at $hour:00', ({ name, hour, expected }) => {
    expect(greeting(name, hour)).toBe(expected);
  });
});
