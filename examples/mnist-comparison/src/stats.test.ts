import { describe, expect, it } from 'vitest';
import { formatDuration, formatEvaluations, formatPercent, formatRatio, meanSd } from './stats';

describe('meanSd', () => {
  it('gives the mean and the sample standard deviation (n − 1)', () => {
    const s = meanSd([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.n).toBe(4);
  });

  it('gives sd 0 for one value and refuses none', () => {
    expect(meanSd([0.9])).toEqual({ mean: 0.9, sd: 0, n: 1 });
    expect(() => meanSd([])).toThrow(/at least one value/);
  });
});

describe('formatting', () => {
  it('shows accuracies as percent mean ± sd', () => {
    expect(formatPercent({ mean: 0.87654, sd: 0.00321, n: 2 })).toBe('87.7 ± 0.3');
    expect(formatPercent({ mean: 0.5, sd: 0, n: 1 }, 2)).toBe('50.00 ± 0.00');
  });

  it('shows evaluations per step, double backprop apart', () => {
    expect(formatEvaluations(1, 0)).toBe('1');
    expect(formatEvaluations(2, 0)).toBe('2');
    expect(formatEvaluations(0, 1)).toBe('1 DB'); // issue 16: it read '0 + 1 DB' where the README says '1 DB'
    expect(formatEvaluations(1.25, 0)).toBe('1.25');
  });

  it('shows ratios and durations', () => {
    expect(formatRatio(2.046)).toBe('2.05×');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(-3)).toBe('0s');
  });
});
