import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linear, PluggedOptimizer, withPlugins, type Plugin } from '@flatopt/core';
import { flatoptErrorMessage as message, mlpProblem, type Problem } from '@flatopt/core/testing';
import { sam } from './sam';

const problems: Problem[] = [];
const problem = (seed = 3) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

/** The gradient the plugin hands to the wrapped optimizer, read as arrays. */
function applied(plugin: Plugin, p: Problem): Float32Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(p.loss, p.variables);
  const out = p.variables.map((v) => Float32Array.from(grads[v.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('sam: bad input is refused at construction, naming the option, the value and what is allowed', () => {
  it.each([
    [{ rho: -0.1 }, "sam: option 'rho' must be a finite number ≥ 0; got -0.1."],
    [{ rho: Infinity }, "sam: option 'rho' must be a finite number ≥ 0; got Infinity."],
    [
      { rho: linear({ from: 0.1, to: -0.1, steps: 10 }) },
      "sam: option 'rho' is a 'linear' schedule that reaches -0.1; every value must be a finite number ≥ 0.",
    ],
    [{ every: 0 }, "sam: option 'every' must be an integer ≥ 1; got 0."],
    [{ every: 2.5 }, "sam: option 'every' must be an integer ≥ 1; got 2.5."],
    [{ eta: -1 }, "sam: option 'eta' must be a finite number ≥ 0; got -1."],
    [{ adaptive: 'yes' }, 'sam: option \'adaptive\' must be true or false; got "yes".'],
    [
      { adaptiveScope: 'biases' },
      "sam: option 'adaptiveScope' must be one of 'weights', 'all'; got \"biases\".",
    ],
    [
      { radius: 0.05 },
      "sam: unknown option 'radius'; allowed options are 'rho', 'adaptive', 'eta', 'adaptiveScope', 'normalize', 'every', 'microBatches', 'name'.",
    ],
  ])('%o', (options, expected) => {
    expect(message(() => sam(options as never))).toBe(expected);
  });
});

describe.each(['cpu', 'wasm'])('sam (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it('applies G = ∇L(θ + ρ·g/‖g‖), restoring θ, and records ‖g‖, ‖ε̂‖ = ρ, L(θ + ε̂) and the sharpness', () => {
    const p = problem();
    const rho = 0.05;
    const expected = tf.tidy(() => {
      const g = tf.variableGrads(p.loss, p.variables).grads;
      const norm = Math.sqrt(p.variables.reduce((s, v) => s + tf.sum(tf.square(g[v.name])).dataSync()[0], 0));
      const saved = p.read();
      p.variables.forEach((v) => v.assign(tf.add(v, tf.mul(g[v.name], rho / norm))));
      const lossThere = p.loss().dataSync()[0];
      const g2 = tf.variableGrads(p.loss, p.variables).grads;
      const grads = p.variables.map((v) => Float32Array.from(g2[v.name].dataSync()));
      p.assign(saved);
      return { grads, norm, lossThere, loss: p.loss().dataSync()[0] };
    });
    const before = p.read();
    const got = applied(sam({ rho }), p);
    got.forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(expected.grads[i][j], 5)));
    expect(p.read()).toEqual(before);
    const report = withPlugins(tf.train.sgd(0), sam({ rho })).step(p.loss, p.variables);
    expect(report.gradientEvaluations).toBe(2);
    expect(report.diagnostics['sam/gradNorm'] / expected.norm).toBeCloseTo(1, 5);
    expect(report.diagnostics['sam/ascentNorm']).toBeCloseTo(rho, 6);
    expect(report.diagnostics['sam/perturbedLoss']).toBeCloseTo(expected.lossThere, 5);
    expect(report.diagnostics['sam/sharpness']).toBeCloseTo(expected.lossThere - expected.loss, 5);
  });

  it('at a zero gradient makes no NaN and steps exactly like the wrapped optimizer', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]), true, `zero-${backend}`);
    const loss = () => tf.mul(tf.sum(w), 0) as tf.Scalar; // ∇L = 0 everywhere
    for (const plugin of [sam(), sam({ adaptive: true }), sam({ normalize: false })]) {
      const report = withPlugins(tf.train.adam(0.1), plugin).step(loss, [w]);
      expect(Object.values(report.diagnostics).every(Number.isFinite)).toBe(true);
      expect(Array.from(w.dataSync())).toEqual([1, -2, 3]);
    }
    w.dispose();
  });

  it('with ρ = 0 costs one gradient evaluation', () => {
    const p = problem();
    expect(
      withPlugins(tf.train.sgd(0.1), sam({ rho: 0 })).step(p.loss, p.variables).gradientEvaluations,
    ).toBe(1);
  });
});

describe('sam: configuration', () => {
  it('round-trips through getConfig / fromConfig, schedules included', () => {
    const opt = withPlugins(
      tf.train.adam(1e-3),
      sam({ rho: linear({ from: 0, to: 0.05, steps: 10 }), adaptive: true, every: 3 }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins[0]).toEqual({
      type: 'sam',
      name: 'sam',
      config: {
        rho: { schedule: 'linear', from: 0, to: 0.05, steps: 10, start: 0 },
        adaptive: true,
        eta: 0.01,
        adaptiveScope: 'weights',
        normalize: true,
        every: 3,
        microBatches: 1,
      },
    });
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
  });
});
