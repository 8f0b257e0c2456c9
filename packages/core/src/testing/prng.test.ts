import { describe, expect, it } from 'vitest';
import { mulberry32, normals } from './prng';

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

describe('normals', () => {
  it('is deterministic per seed, with mean ≈ 0 and standard deviation ≈ scale', () => {
    const xs = normals(20_000, 3, 2);
    expect(Array.from(normals(20_000, 3, 2))).toEqual(Array.from(xs));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.05); // 4 standard errors of 2/sqrt(20000) = 0.014
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
  });
});
