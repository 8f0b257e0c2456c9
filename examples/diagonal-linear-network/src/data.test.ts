import { describe, expect, it } from 'vitest';
import { randomSubset, sparseRegression } from './data';

describe('sparseRegression', () => {
  it('draws X ~ N(0, 1) of shape n×d and y = Xβ* with k ones on the support', () => {
    const p = sparseRegression({ d: 100, n: 40, k: 5, seed: 1 });
    expect(p.x.length).toBe(4000);
    expect(p.y.length).toBe(40);
    expect(p.support).toHaveLength(5);
    expect(p.betaStar.reduce((s, b) => s + b, 0)).toBe(5);
    p.support.forEach((i) => expect(p.betaStar[i]).toBe(1));
    expect(p.onSupport.filter(Boolean)).toHaveLength(5);
    // Standard normal entries: mean ≈ 0 and variance ≈ 1 over 4000 draws (±4 standard errors).
    const mean = p.x.reduce((s, v) => s + v, 0) / p.x.length;
    const variance = p.x.reduce((s, v) => s + (v - mean) ** 2, 0) / p.x.length;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(4000));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / 4000));
    for (let a = 0; a < p.n; a++) {
      const direct = p.support.reduce((s, i) => s + p.x[a * p.d + i], 0);
      expect(Math.abs(p.y[a] - direct)).toBeLessThanOrEqual(Math.abs(direct) * 2 ** -23);
    }
  });

  it('keeps float64 views equal to the float32 data the network trains on', () => {
    const p = sparseRegression({ d: 20, n: 8, k: 2 });
    expect(Array.from(p.x64)).toEqual(Array.from(p.x));
    expect(Array.from(p.y64)).toEqual(Array.from(p.y));
  });

  it('is deterministic in the seed and changes with it', () => {
    const a = sparseRegression({ d: 30, n: 15, k: 3, seed: 7 });
    const b = sparseRegression({ d: 30, n: 15, k: 3, seed: 7 });
    const c = sparseRegression({ d: 30, n: 15, k: 3, seed: 8 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(a.support).toEqual(b.support);
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
  });

  it('rejects sizes that are not positive integers or a support larger than d', () => {
    expect(() => sparseRegression({ d: 0 })).toThrow(
      'sparseRegression: d must be a positive integer; got 0.',
    );
    expect(() => sparseRegression({ n: 2.5 })).toThrow(
      'sparseRegression: n must be a positive integer; got 2.5.',
    );
    expect(() => sparseRegression({ d: 3, k: 4 })).toThrow('sparseRegression: k (4) cannot exceed d (3).');
  });
});

describe('randomSubset', () => {
  it('returns k distinct sorted indices in [0, d), every index reachable', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const s = randomSubset(10, 3, seed);
      expect(s).toHaveLength(3);
      expect(new Set(s).size).toBe(3);
      expect([...s].sort((a, b) => a - b)).toEqual(s);
      s.forEach((i) => {
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(10);
        seen.add(i);
      });
    }
    expect(seen.size).toBe(10);
    expect(randomSubset(5, 5, 1)).toEqual([0, 1, 2, 3, 4]);
  });
});
