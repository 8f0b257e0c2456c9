import { describe, expect, it } from 'vitest';
import { mean, median, quantile, summarize } from './stats';

describe('median', () => {
  it('takes the middle value of an odd-length array regardless of order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([9, -4, 7, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even-length array', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 20])).toBe(15);
  });

  it('is the value itself for one sample and does not mutate the input', () => {
    const xs = [3, 1, 2];
    expect(median([42])).toBe(42);
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('rejects empty and NaN input', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => median([1, Number.NaN])).toThrow(/NaN/);
  });
});

describe('quantile', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    // numpy.quantile([1, 2, 3, 4], [0, .25, .5, .75, 1]) = [1, 1.75, 2.5, 3.25, 4]
    const xs = [4, 2, 1, 3];
    expect([0, 0.25, 0.5, 0.75, 1].map((p) => quantile(xs, p))).toEqual([1, 1.75, 2.5, 3.25, 4]);
    // numpy.quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) = 9.1
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 12);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => quantile([1, 2], 1.5)).toThrow(/\[0, 1\], got 1.5/);
    expect(() => quantile([1, 2], Number.NaN)).toThrow(/got NaN/);
  });
});

describe('mean', () => {
  it('averages, so one outlier moves it where the median stays', () => {
    expect(mean([2, 1, 1, 1])).toBe(1.25);
    expect(mean([1, 2, 3, 100])).toBe(26.5);
    expect(median([1, 2, 3, 100])).toBe(2.5);
  });

  it('rejects empty and NaN input', () => {
    expect(() => mean([])).toThrow(/empty/);
    expect(() => mean([1, Number.NaN])).toThrow(/NaN/);
  });
});

describe('summarize', () => {
  it('reports mean, median, quartiles, IQR and range', () => {
    // numpy.quantile([1, 2, 3, 4, 5, 6, 7, 100], [.25, .5, .75]) = [2.75, 4.5, 6.25]
    expect(summarize([100, 7, 6, 5, 4, 3, 2, 1])).toEqual({
      n: 8,
      mean: 16,
      median: 4.5,
      q1: 2.75,
      q3: 6.25,
      iqr: 3.5,
      min: 1,
      max: 100,
    });
  });

  it('has zero spread for constant samples', () => {
    expect(summarize([5, 5, 5])).toMatchObject({ median: 5, iqr: 0, min: 5, max: 5 });
  });
});
