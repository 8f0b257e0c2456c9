import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linear, step, withPlugins, type Plugin } from '@flatopt/core';
import { mlpProblem, normals, type Problem } from '@flatopt/core/testing';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from './sam';

const problems: Problem[] = [];
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

/** The gradient a plugin hands to the wrapped optimizer, as raw bits for exact comparison. */
function bits(plugin: Plugin, loss: () => tf.Scalar, variables: tf.Variable[]): number[][] {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(loss, variables);
  const out = variables.map((v) =>
    Array.from(new Uint32Array(Float32Array.from(grads[v.name].dataSync()).buffer)),
  );
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe.each(['cpu', 'wasm'])('exact identities (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));
  const p = () => {
    const made = mlpProblem({ seed: 17 });
    problems.push(made);
    return made;
  };

  it("gradReg({ penalty: 'norm' }) with α = λ/r = 1 is SAM with ρ = r, bit for bit", () => {
    const q = p();
    const r = 0.07;
    expect(bits(gradReg({ penalty: 'norm', lambda: r, epsilon: r }), q.loss, q.variables)).toEqual(
      bits(sam({ rho: r }), q.loss, q.variables),
    );
  });

  it('unnormalized SAM is gradReg forward with γ = ε = ρ, bit for bit', () => {
    const q = p();
    expect(bits(gradReg({ gamma: 0.05, epsilon: 0.05 }), q.loss, q.variables)).toEqual(
      bits(sam({ rho: 0.05, normalize: false }), q.loss, q.variables),
    );
  });

  it('ASAM with T ≡ 1 (w = 0, η = 1, every variable) is SAM, bit for bit', () => {
    // A linear least-squares problem at θ = 0, where the gradient −Xᵀy/n is not zero.
    const x = tf.tensor2d(normals(12 * 4, 3), [12, 4]);
    const y = tf.tensor2d(normals(12 * 2, 4), [12, 2]);
    const w = tf.variable(tf.zeros([4, 2]), true, `asam-t1-${backend}/w`);
    const b = tf.variable(tf.zeros([2]), true, `asam-t1-${backend}/b`);
    const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar);
    expect(bits(sam({ rho: 0.1, adaptive: true, eta: 1, adaptiveScope: 'all' }), loss, [w, b])).toEqual(
      bits(sam({ rho: 0.1 }), loss, [w, b]),
    );
    tf.dispose([x, y, w, b]);
  });
});

describe('ASAM is invariant to neuron-wise rescaling of a bias-free ReLU net; SAM is not (SCIENCE §5.11)', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('the perturbed loss L(θ + ε̂) is unchanged for ASAM (η = 0) and changes for SAM', () => {
    const x = tf.tensor2d(normals(16 * 3, 7), [16, 3]);
    const y = tf.tensor2d(normals(16 * 2, 8), [16, 2]);
    const w1 = normals(3 * 4, 9, 0.8);
    const w2 = normals(4 * 2, 10, 0.8);
    // Hidden unit 1 scaled by c on the way in and 1/c on the way out: the function is the same.
    const c = 3;
    const w1s = w1.map((v, i) => (i % 4 === 1 ? v * c : v));
    const w2s = w2.map((v, i) => (Math.floor(i / 2) === 1 ? v / c : v));
    const perturbed = (plugin: Plugin, a: Float32Array, b: Float32Array, tag: string) => {
      const v1 = tf.variable(tf.tensor2d(a, [3, 4]), true, `${tag}/w1`);
      const v2 = tf.variable(tf.tensor2d(b, [4, 2]), true, `${tag}/w2`);
      const loss = () =>
        tf.tidy(() => tf.mean(tf.square(tf.sub(tf.matMul(tf.relu(tf.matMul(x, v1)), v2), y))) as tf.Scalar);
      const report = withPlugins(tf.train.sgd(0), plugin).step(loss, [v1, v2]);
      tf.dispose([v1, v2]);
      return report.diagnostics[`${plugin.name}/perturbedLoss`];
    };
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    const asam = () => sam({ rho: 0.5, adaptive: true, eta: 0 });
    expect(rel(perturbed(asam(), w1s, w2s, 'asam-s'), perturbed(asam(), w1, w2, 'asam'))).toBeLessThan(1e-5);
    expect(
      rel(perturbed(sam({ rho: 0.5 }), w1s, w2s, 'sam-s'), perturbed(sam({ rho: 0.5 }), w1, w2, 'sam')),
    ).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
  });
});

describe('amortized ascent (every: k)', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it.each([2, 4])('costs 1 + 1/k gradient evaluations on average (k = %i)', (k) => {
    const q = mlpProblem({ seed: 23 });
    problems.push(q);
    const opt = withPlugins(tf.train.sgd(0.05), sam({ every: k }));
    let total = 0;
    for (let i = 0; i < 4 * k; i++) total += opt.step(q.loss, q.variables).gradientEvaluations;
    expect(total / (4 * k)).toBe(1 + 1 / k);
  });

  it('in between, evaluates at θ + the stored ε̂ (its loss is the step’s perturbed loss)', () => {
    const q = mlpProblem({ seed: 29 });
    problems.push(q);
    const opt = withPlugins(tf.train.sgd(0), sam({ rho: 0.05, every: 3 })); // lr 0: θ stays put
    const first = opt.step(q.loss, q.variables);
    const second = opt.step(q.loss, q.variables);
    expect(second.gradientEvaluations).toBe(1);
    expect(second.loss).toBe(first.diagnostics['sam/perturbedLoss']);
    expect(second.diagnostics['sam/perturbedLoss']).toBe(first.diagnostics['sam/perturbedLoss']);
  });

  const evaluations = (opt: ReturnType<typeof withPlugins>, q: Problem, steps: number) =>
    Array.from({ length: steps }, () => opt.step(q.loss, q.variables).gradientEvaluations);

  it('makes a fresh ascent on its first step with ρ > 0, wherever that falls (ρ warm-up from 0)', () => {
    const q = mlpProblem({ seed: 31 });
    problems.push(q);
    const opt = withPlugins(
      tf.train.sgd(0.05),
      sam({ rho: linear({ from: 0, to: 0.05, steps: 10 }), every: 3 }),
    );
    // Iteration 0: ρ = 0, plain; 1: the first ascent (not a multiple of 3); 2: reused; 3: fresh.
    expect(evaluations(opt, q, 5)).toEqual([1, 2, 1, 2, 1]);
    opt.dispose();
  });

  it('makes a fresh ascent on its first step when it wraps an optimizer that has already stepped', () => {
    const q = mlpProblem({ seed: 37 });
    problems.push(q);
    const inner = tf.train.sgd(0.05);
    inner.minimize(q.loss, false, q.variables);
    const opt = withPlugins(inner, sam({ every: 3 }));
    expect(evaluations(opt, q, 4)).toEqual([2, 1, 2, 1]); // iterations 1, 2, 3, 4
    opt.dispose();
  });

  it('saves its ascent as ascent<i> (not the staged one) and resumes bit for bit, also from before its first ascent', async () => {
    // ρ is 0 for iterations 0–3; the first ascent comes at iteration 4, not a multiple of 3.
    const rho = step({ values: [0, 0.05], boundaries: [4] });
    for (const cut of [2, 5]) {
      const [a, b] = [mlpProblem({ seed: 41 }), mlpProblem({ seed: 41 })];
      problems.push(a, b);
      const first = withPlugins(tf.train.adam(0.01), sam({ rho, every: 3 }));
      const counts = evaluations(first, a, cut);
      const saved = await first.getWeights();
      expect(saved.filter((w) => w.name.startsWith('flatopt/sam/')).map((w) => w.name)).toEqual(
        a.variables.map((_, i) => `flatopt/sam/ascent${i}`),
      );
      const second = withPlugins(tf.train.adam(0.01), sam({ rho, every: 3 }));
      await second.setWeights(saved); // before its first step, as after tf.loadLayersModel
      b.assign(a.read());
      counts.push(...evaluations(first, a, 4));
      expect([...counts.slice(0, cut), ...evaluations(second, b, 4)]).toEqual(counts);
      expect(b.read()).toEqual(a.read());
      first.dispose();
      second.dispose();
    }
  });
});
