import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { relativeError } from '@flatopt/core/testing';
import { flooding } from '@flatopt/flooding';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from './sam';

// A quadratic L(θ) = ½θᵀAθ − bᵀθ on R⁴ with A symmetric positive definite, so every composed
// formula has a float64 closed form to compare with.
const A = [
  [3, 0.5, 0, 0.2],
  [0.5, 2, 0.3, 0],
  [0, 0.3, 1.5, 0.1],
  [0.2, 0, 0.1, 1],
];
const B = [1, -0.5, 0.25, 0.8];
const THETA = [0.3, -0.2, 0.5, 0.1];

type Vec = number[];
const loss64 = (t: Vec) =>
  0.5 * t.reduce((s, x, i) => s + x * A[i].reduce((r, a, j) => r + a * t[j], 0), 0) -
  t.reduce((s, x, i) => s + x * B[i], 0);
const grad64 = (t: Vec) => A.map((row, i) => row.reduce((r, a, j) => r + a * t[j], 0) - B[i]);
const add = (a: Vec, b: Vec, s = 1) => a.map((x, i) => x + s * b[i]);
const norm = (a: Vec) => Math.hypot(...a);
/** ∇ of the flooded loss |L − b| + b. */
const flooded = (level: number) => (t: Vec) => grad64(t).map((g) => Math.sign(loss64(t) - level) * g);
/** Forward GR with strength γ and step ε around any gradient field. */
const fgr = (field: (t: Vec) => Vec, gamma: number, eps: number) => (t: Vec) => {
  const g = field(t);
  return add(
    g.map((x) => (1 - gamma / eps) * x),
    field(add(t, g, eps)).map((x) => (gamma / eps) * x),
  );
};
/** SAM around any gradient field: the field at θ + ρ·G/‖G‖. */
const samOf = (field: (t: Vec) => Vec, rho: number) => (t: Vec) => {
  const g = field(t);
  return field(add(t, g, rho / norm(g)));
};

const variables: tf.Variable[] = [];
afterEach(() => variables.splice(0).forEach((v) => v.dispose()));

function run(plugins: Plugin[]): { G: Float64Array; evaluations: number } {
  const theta = tf.variable(tf.tensor1d(THETA), true, `stack-theta-${variables.length}-${Math.random()}`);
  variables.push(theta);
  const a = tf.tensor2d(A);
  const b = tf.tensor1d(B);
  const loss = () =>
    tf.tidy(
      () =>
        tf.sub(
          tf.mul(0.5, tf.sum(tf.mul(theta, tf.squeeze(tf.matMul(a, tf.reshape(theta, [4, 1])))))),
          tf.sum(tf.mul(b, theta)),
        ) as tf.Scalar,
    );
  const opt = withPlugins(tf.train.sgd(1), ...plugins);
  const { value, grads } = opt.computeGradients(loss, [theta]);
  const G = Float64Array.from(grads[theta.name].dataSync());
  tf.dispose([value, ...Object.values(grads)]);
  const evaluations = withPlugins(tf.train.sgd(0), ...plugins).step(loss, [theta]).gradientEvaluations;
  tf.dispose([a, b]);
  return { G, evaluations };
}

describe('stacks of plugins match their composed formula on a quadratic', () => {
  beforeAll(() => tf.setBackend('cpu'));
  // L(θ₀) ≈ −0.29: a level above it makes flooding ascend, so the stacks differ from their parts.
  const level = 0;

  it('sam + flooding: G = ∇F(θ + ρ·∇F/‖∇F‖), F = |L − b| + b, 2 evaluations', () => {
    const { G, evaluations } = run([sam({ rho: 0.1 }), flooding({ level })]);
    expect(relativeError([G], [samOf(flooded(level), 0.1)(THETA)])).toBeLessThan(1e-5);
    expect(evaluations).toBe(2);
  });

  it('gradReg + flooding: forward GR of the flooded loss, 2 evaluations', () => {
    const { G, evaluations } = run([gradReg({ gamma: 0.05, epsilon: 0.1 }), flooding({ level })]);
    expect(relativeError([G], [fgr(flooded(level), 0.05, 0.1)(THETA)])).toBeLessThan(1e-5);
    expect(evaluations).toBe(2);
  });

  it('sam + gradReg: SAM around the regularized gradient, 4 evaluations', () => {
    const { G, evaluations } = run([sam({ rho: 0.1 }), gradReg({ gamma: 0.05, epsilon: 0.1 })]);
    expect(relativeError([G], [samOf(fgr(grad64, 0.05, 0.1), 0.1)(THETA)])).toBeLessThan(1e-5);
    expect(evaluations).toBe(4);
  });

  it('the flooded stacks really ascend here (the test would notice a missing flood)', () => {
    expect(loss64(THETA)).toBeLessThan(level);
    const plain = samOf(grad64, 0.1)(THETA);
    expect(relativeError([run([sam({ rho: 0.1 }), flooding({ level })]).G], [plain])).toBeGreaterThan(1);
  });
});
