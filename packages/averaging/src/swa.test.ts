import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { makeOptimizer, mlpProblem, useBackend, type Problem } from '@flatopt/core/testing';
import { swa } from './swa';
import { averagesOf, bits, maxAbs, maxAbsDiff, U32 } from './test-support';

const problems: Problem[] = [];
const problem = (seed: number) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

describe.each(['cpu', 'wasm'] as const)('swa on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(['sgd', 'adam'] as const)(
    '(%s) equals the plain mean of the iterates at steps start, start + every, …',
    (name) => {
      const [start, every] = [5, 3];
      const p = problem(9);
      const plugin = swa({ start, every });
      const opt = withPlugins(makeOptimizer(name), plugin);
      const snapshots: Float32Array[][] = [];
      for (let i = 0; i < 50; i++) {
        opt.minimize(p.loss, false, p.variables);
        if (i >= start && (i - start) % every === 0) snapshots.push(p.read());
      }
      const n = snapshots.length;
      expect(n).toBe(15); // iterations 5, 8, …, 47
      const mean = p.variables.map((_, v) => {
        const out = new Float64Array(snapshots[0][v].length);
        snapshots.forEach((w) => w[v].forEach((x, k) => (out[k] += x / n)));
        return out;
      });
      const { averages, count } = averagesOf(plugin);
      expect(count).toBe(n);
      // Tolerance: each update a + (w − a)/(n + 1) rounds 3 times, adding at most 3u·max|w|, and
      // the running mean scales an error made at snapshot k by k/n afterwards, so the error stays
      // below 3u·max|w|·n (u = 2⁻²⁴).
      const bound = 3 * U32 * maxAbs(snapshots.flat()) * n;
      expect(maxAbsDiff(averages, mean)).toBeLessThanOrEqual(bound);
      expect(
        maxAbsDiff(
          averages,
          snapshots[n - 1].map((x) => Float64Array.from(x)),
        ),
      ).toBeGreaterThan(100 * bound);
      opt.dispose();
    },
  );

  it('holds the first snapshot exactly, and nothing before start', () => {
    const p = problem(2);
    const plugin = swa({ start: 1 });
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    opt.minimize(p.loss, false, p.variables);
    expect(averagesOf(plugin).count).toBe(0);
    opt.minimize(p.loss, false, p.variables);
    expect(bits(averagesOf(plugin).averages)).toEqual(bits(p.read()));
    expect(averagesOf(plugin).count).toBe(1);
    opt.dispose();
  });
});
