import { describe, expect, it } from 'vitest';
import { mulberry32, uniformArray } from './prng';

describe('mulberry32', () => {
  it('matches an independent reference implementation (seed 1985)', () => {
    // First two 32-bit outputs of Ettinger's reference mulberry32 for seed 1985, as published in
    // another implementation's test suite; the float is the output divided by 2^32.
    const next = mulberry32(1985);
    expect([next(), next()].map((x) => x * 4294967296)).toEqual([3527837133, 3112574143]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
  });

  it('stays in [0, 1) with mean 1/2 and variance 1/12', () => {
    const next = mulberry32(7);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = next();
      sum += x;
      sumSq += x * x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const mean = sum / n;
    // Standard error of the mean is sqrt(1/12 / n) ~ 0.0009; 5 sigma.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });
});

describe('uniformArray', () => {
  it('maps the stream affinely onto [low, high)', () => {
    const xs = uniformArray(mulberry32(3), 5, -2, 2);
    const us = uniformArray(mulberry32(3), 5);
    expect(xs).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(xs[i]).toBeCloseTo(-2 + 4 * us[i], 6);
  });
});
