import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { makeOptimizer, mlpProblem, useBackend, type Problem } from '@flatopt/core/testing';
import { ema } from './ema';
import { averagesOf, bits, maxAbs, maxAbsDiff, U32 } from './test-support';

const problems: Problem[] = [];
const problem = (seed: number) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

/** Trains `steps` steps and returns the iterates of the averaged steps (the weights after them). */
function train(opt: tf.Optimizer, p: Problem, steps: number, averaged: (iteration: number) => boolean) {
  const iterates: Float32Array[][] = [];
  for (let i = 0; i < steps; i++) {
    const iteration = opt.iterations;
    opt.minimize(p.loss, false, p.variables);
    if (averaged(iteration)) iterates.push(p.read());
  }
  return iterates;
}

describe.each(['cpu', 'wasm'] as const)('ema on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(['sgd', 'adam'] as const)(
    '(%s) after 40 steps equals the closed form dⁿ⁻¹·w₁ + Σⱼ₌₂ⁿ (1 − d)·dⁿ⁻ʲ·wⱼ of the averaged iterates',
    (name) => {
      const [decay, start, every] = [0.9, 3, 2];
      const p = problem(7);
      const plugin = ema({ decay, start, every });
      const opt = withPlugins(makeOptimizer(name), plugin);
      const iterates = train(opt, p, 40, (i) => i >= start && (i - start) % every === 0);
      const n = iterates.length;
      expect(n).toBe(19); // iterations 3, 5, …, 39
      // The plugin computes in float32 with d rounded to float32; the reference takes that d.
      const d = Math.fround(decay);
      const c = iterates.map((_, j) => (j === 0 ? d ** (n - 1) : (1 - d) * d ** (n - 1 - j)));
      expect(c.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      const expected = p.variables.map((_, v) => {
        const out = new Float64Array(iterates[0][v].length);
        iterates.forEach((w, j) => w[v].forEach((x, k) => (out[k] += c[j] * x)));
        return out;
      });
      const { averages, count } = averagesOf(plugin);
      expect(count).toBe(n);
      // Tolerance: each update rounds 3 times (two products, one sum), adding at most 3u·max|w|
      // (u = 2⁻²⁴), and every later update multiplies an earlier error by d, so the error stays
      // below 3u·max|w|·min(n, 1/(1 − d)) — here 30u·max|w| ≈ 1.8e-6·max|w|.
      const bound = 3 * U32 * maxAbs(iterates.flat()) * Math.min(n, 1 / (1 - d));
      const err = maxAbsDiff(averages, expected);
      expect(err).toBeLessThanOrEqual(bound);
      // …and it is an average, not the last iterate: the two differ by far more than the bound.
      expect(
        maxAbsDiff(
          averages,
          iterates[n - 1].map((x) => Float64Array.from(x)),
        ),
      ).toBeGreaterThan(100 * bound);
      opt.dispose();
    },
  );

  it('starts from a copy of the first averaged iterate, bit for bit, and counts the averaged steps', () => {
    const p = problem(3);
    const plugin = ema({ decay: 0.99, start: 2 });
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    for (let i = 0; i < 2; i++) opt.minimize(p.loss, false, p.variables);
    expect(averagesOf(plugin).count).toBe(0);
    expect(maxAbs(averagesOf(plugin).averages)).toBe(0); // zeros until the first averaged step
    opt.minimize(p.loss, false, p.variables);
    expect(bits(averagesOf(plugin).averages)).toEqual(bits(p.read()));
    expect(averagesOf(plugin).count).toBe(1);
    opt.dispose();
  });

  it('with decay 0 is the last averaged iterate exactly', () => {
    const p = problem(4);
    const plugin = ema({ decay: 0, every: 3 });
    const opt = withPlugins(tf.train.adam(0.01), plugin);
    const iterates = train(opt, p, 8, (i) => i % 3 === 0); // 0, 3, 6
    expect(bits(averagesOf(plugin).averages)).toEqual(bits(iterates[2]));
    expect(averagesOf(plugin).count).toBe(3);
    opt.dispose();
  });

  it.each(['device', 'read'] as const)(
    'a non-finite first averaged step leaves no average behind (finiteCheck %s, nonFinite skip)',
    async (finiteCheck) => {
      const p = problem(6);
      const plugin = ema({ decay: 0.9 });
      const opt = withPlugins(tf.train.adam(0.01), plugin, { nonFinite: 'skip', finiteCheck });
      const nan = () => tf.tidy(() => tf.mul(p.loss(), NaN) as tf.Scalar);
      opt.minimize(nan, false, p.variables);
      await opt.settled();
      expect(opt.iterations).toBe(0);
      expect(averagesOf(plugin).count).toBe(0);
      expect(maxAbs(averagesOf(plugin).averages)).toBe(0);
      opt.minimize(p.loss, false, p.variables);
      expect(bits(averagesOf(plugin).averages)).toEqual(bits(p.read()));
      expect(averagesOf(plugin).count).toBe(1);
      opt.dispose();
    },
  );
});
