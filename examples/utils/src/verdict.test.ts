import { describe, expect, it } from 'vitest';
import { formatComparison, pairedComparison } from './verdict';

describe('pairedComparison', () => {
  it('matches the t-test by hand: d = (1, 2, 3), t = 2/(1/√3) = 3.464, df 2, p = 0.0742', () => {
    // Student t with 2 dof has CDF 1/2 + t/(2√(2 + t²)), so p = 1 − t/√(2 + t²).
    const c = pairedComparison([1.1, 2.2, 3.3], [0.1, 0.2, 0.3]);
    const t = 2 / (1 / Math.sqrt(3));
    expect(c.meanDifference).toBeCloseTo(2, 12);
    expect(c.sdDifference).toBeCloseTo(1, 12);
    expect(c.t).toBeCloseTo(t, 10);
    expect(c.p).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 8);
    expect(c.verdict).toBe('tie');
  });

  it('calls a consistent gain better and a consistent loss worse at α 0.05', () => {
    // d = (0.05, 0.06, 0.07): t = 0.06/(0.01/√3) = 10.39, p = 0.0091.
    const gain = pairedComparison([0.85, 0.86, 0.87], [0.8, 0.8, 0.8]);
    expect(gain.p).toBeCloseTo(1 - gain.t / Math.sqrt(2 + gain.t ** 2), 8);
    expect(gain.verdict).toBe('better');
    expect(pairedComparison([0.75, 0.74, 0.73], [0.8, 0.8, 0.8]).verdict).toBe('worse');
  });

  it('zero spread: a nonzero difference is certain, a zero one a tie; one seed gives no verdict', () => {
    expect(pairedComparison([0.9, 0.8], [0.85, 0.75])).toMatchObject({
      t: Infinity,
      p: 0,
      verdict: 'better',
    });
    expect(pairedComparison([0.9, 0.8], [0.9, 0.8])).toMatchObject({ t: 0, verdict: 'tie' });
    expect(pairedComparison([0.9], [0.8]).verdict).toBe('n/a');
  });

  it('refuses unpaired inputs', () => {
    expect(() => pairedComparison([1, 2], [1])).toThrow(/one value per seed on both sides; got 2 and 1/);
  });

  it('formats the difference in accuracy points with the test named', () => {
    expect(formatComparison(pairedComparison([0.85, 0.86, 0.87], [0.8, 0.8, 0.8]))).toBe(
      '+6.0 ± 1.0 pts, p 0.009 (paired t, 3 seeds): better',
    );
    expect(formatComparison(pairedComparison([1.1, 2.2, 3.3], [0.1, 0.2, 0.3]))).toMatch(
      /within the seed spread$/,
    );
  });
});
