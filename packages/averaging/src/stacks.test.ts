import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type PluggedOptimizer } from '@flatopt/core';
import { useBackend } from '@flatopt/core/testing';
import { sam } from '@flatopt/sam';
import { lookahead } from './lookahead';
import { swa } from './swa';
import { ema } from './ema';
import { averagesOf, bits, slowOf } from './test-support';

// L(θ) = ½θᵀAθ − bᵀθ on R⁴, A symmetric positive definite: every composed formula has a float64
// closed form step by step.
const A = [
  [3, 0.5, 0, 0.2],
  [0.5, 2, 0.3, 0],
  [0, 0.3, 1.5, 0.1],
  [0.2, 0, 0.1, 1],
];
const B = [1, -0.5, 0.25, 0.8];
const THETA = [0.3, -0.2, 0.5, 0.1];

type Vec = number[];
const grad64 = (t: Vec) => A.map((row, i) => row.reduce((r, a, j) => r + a * t[j], 0) - B[i]);
const norm = (a: Vec) => Math.hypot(...a);
/** SAM's gradient: ∇L at θ + ρ·g/‖g‖. */
const samGrad = (t: Vec, rho: number) => {
  const g = grad64(t);
  const s = rho / norm(g);
  return grad64(t.map((x, i) => x + s * g[i]));
};
/** max |got − want| / max(1, |want|). */
const relErr = (got: ArrayLike<number>, want: Vec) =>
  Math.max(...want.map((w, i) => Math.abs(got[i] - w) / Math.max(1, Math.abs(w))));

const variables: tf.Variable[] = [];
afterEach(() => variables.splice(0).forEach((v) => v.dispose()));

function quadratic(): { theta: tf.Variable; loss: () => tf.Scalar; dispose: () => void } {
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
  return { theta, loss, dispose: () => tf.dispose([a, b]) };
}

function run(opt: PluggedOptimizer, steps: number) {
  const q = quadratic();
  const trajectory: Float32Array[] = [];
  for (let i = 0; i < steps; i++) {
    opt.minimize(q.loss, false, [q.theta]);
    trajectory.push(Float32Array.from(q.theta.dataSync()));
  }
  q.dispose();
  return trajectory;
}

describe('stacks match their composed formulas on a quadratic (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('withPlugins(adam, lookahead({ k: 3, alpha: 0.5 }), sam({ rho: 0.1 })): Adam on SAM’s gradient, lookahead every 3rd step', async () => {
    const [lr, beta1, beta2, eps, rho, k, alpha] = [0.05, 0.9, 0.999, 1e-7, 0.1, 3, 0.5];
    const slowPlugin = lookahead({ k, alpha });
    const opt = withPlugins(tf.train.adam(lr, beta1, beta2, eps), slowPlugin, sam({ rho }));
    const steps = 11;
    const got = run(opt, steps);
    // float64: θ fast, φ slow, Adam's moments stay with the fast weights.
    let t = [...THETA];
    let phi = [...THETA];
    let m = [0, 0, 0, 0];
    let v = [0, 0, 0, 0];
    for (let s = 1; s <= steps; s++) {
      const g = samGrad(t, rho);
      m = m.map((x, i) => beta1 * x + (1 - beta1) * g[i]);
      v = v.map((x, i) => beta2 * x + (1 - beta2) * g[i] ** 2);
      t = t.map((x, i) => x - (lr * (m[i] / (1 - beta1 ** s))) / (Math.sqrt(v[i] / (1 - beta2 ** s)) + eps));
      if (s % k === 0) {
        phi = phi.map((p, i) => p + alpha * (t[i] - p));
        t = [...phi];
      }
      expect(relErr(got[s - 1], t)).toBeLessThan(2e-5);
    }
    expect(relErr(slowOf(slowPlugin)[0], phi)).toBeLessThan(2e-5);
    const inner = await opt.inner.getWeights(); // [iter, m, v]
    expect(relErr(inner[1].tensor.dataSync(), m)).toBeLessThan(2e-5);
    expect(relErr(inner[2].tensor.dataSync(), v)).toBeLessThan(2e-5);
    inner[0].tensor.dispose();
    // The lookahead moved the weights: a plain SAM-Adam run ends elsewhere.
    const plainOpt = withPlugins(tf.train.adam(lr, beta1, beta2, eps), sam({ rho }));
    const plain = run(plainOpt, steps);
    expect(relErr(plain[steps - 1], t)).toBeGreaterThan(1e-3);
    // Lookahead acts in the apply stage and SAM in the evaluate stage: their order does not matter.
    const swappedOpt = withPlugins(
      tf.train.adam(lr, beta1, beta2, eps),
      sam({ rho }),
      lookahead({ k, alpha }),
    );
    expect(bits(run(swappedOpt, steps))).toEqual(bits(got));
    [opt, plainOpt, swappedOpt].forEach((o) => o.dispose());
  });

  it('withPlugins(sgd, swa({ start: 2, every: 2 }), ema(…), sam({ rho: 0.1 })): the mean and the EMA of the SAM-SGD iterates', () => {
    const [lr, rho, start, every, decay] = [0.1, 0.1, 2, 2, 0.75];
    const averaging = swa({ start, every });
    const moving = ema({ decay, start });
    const opt = withPlugins(tf.train.sgd(lr), averaging, moving, sam({ rho }));
    const steps = 12;
    const got = run(opt, steps);
    let t = [...THETA];
    const snapshots: Vec[] = [];
    let e: Vec | null = null;
    const d = Math.fround(decay);
    for (let s = 0; s < steps; s++) {
      const g = samGrad(t, rho);
      t = t.map((x, i) => x - lr * g[i]);
      expect(relErr(got[s], t)).toBeLessThan(1e-5);
      if (s >= start && (s - start) % every === 0) snapshots.push([...t]);
      if (s >= start) e = e ? e.map((x, i) => d * x + (1 - d) * t[i]) : [...t];
    }
    const mean = t.map((_, i) => snapshots.reduce((acc, w) => acc + w[i], 0) / snapshots.length);
    expect(snapshots.length).toBe(5);
    expect(averagesOf(averaging).count).toBe(5);
    expect(relErr(averagesOf(averaging).averages[0], mean)).toBeLessThan(1e-5);
    expect(relErr(averagesOf(moving).averages[0], e!)).toBeLessThan(1e-5);
    expect(relErr(averagesOf(averaging).averages[0], t)).toBeGreaterThan(1e-3); // an average, not θ
    opt.dispose();
  });
});
