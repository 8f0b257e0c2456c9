import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linear, withPlugins, type Plugin } from '@flatopt/core';
import {
  flatoptErrorMessage as message,
  mlpProblem,
  normals,
  relativeError,
  type Problem,
} from '@flatopt/core/testing';
import { sam } from './sam';

// mlpProblem's defaults: 6 inputs, 8 hidden tanh units, 3 classes, 16 examples.
const [INPUTS, HIDDEN, CLASSES, EXAMPLES] = [6, 8, 3, 16];
const SEED = 3;

const problems: Problem[] = [];
const problem = () => {
  const p = mlpProblem({ seed: SEED });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

type Weights = Float64Array[]; // [w1 (inputs×hidden), b1, w2 (hidden×classes), b2], row-major

/** mlpProblem's data, rebuilt as it builds it (same seeds), in float64. */
const X = Float64Array.from(normals(EXAMPLES * INPUTS, SEED + 4));
const LABELS = Array.from({ length: EXAMPLES }, (_, i) => (i * 7 + SEED) % CLASSES);

/**
 * Float64 reference: the mean cross-entropy over examples [from, to) of the tanh MLP and its
 * gradient by hand-written backprop (logits z = tanh(x·W1 + b1)·W2 + b2, loss logΣexp z − z_y).
 */
function lossAndGradient(w: Weights, from: number, to: number): { loss: number; grad: Weights } {
  const [w1, b1, w2, b2] = w;
  const grad = w.map((x) => new Float64Array(x.length));
  const [g1, gb1, g2, gb2] = grad;
  const n = to - from;
  let loss = 0;
  for (let e = from; e < to; e++) {
    const h = Array.from({ length: HIDDEN }, (_, j) => {
      let a = b1[j];
      for (let i = 0; i < INPUTS; i++) a += X[e * INPUTS + i] * w1[i * HIDDEN + j];
      return Math.tanh(a);
    });
    const z = Array.from({ length: CLASSES }, (_, c) => {
      let a = b2[c];
      for (let j = 0; j < HIDDEN; j++) a += h[j] * w2[j * CLASSES + c];
      return a;
    });
    const top = Math.max(...z);
    const sum = z.reduce((s, x) => s + Math.exp(x - top), 0);
    loss += (top + Math.log(sum) - z[LABELS[e]]) / n;
    const dz = z.map((x, c) => (Math.exp(x - top) / sum - (c === LABELS[e] ? 1 : 0)) / n);
    for (let j = 0; j < HIDDEN; j++) {
      let dh = 0;
      for (let c = 0; c < CLASSES; c++) {
        g2[j * CLASSES + c] += h[j] * dz[c];
        dh += dz[c] * w2[j * CLASSES + c];
      }
      const da = dh * (1 - h[j] * h[j]);
      gb1[j] += da;
      for (let i = 0; i < INPUTS; i++) g1[i * HIDDEN + j] += X[e * INPUTS + i] * da;
    }
    dz.forEach((d, c) => (gb2[c] += d));
  }
  return { loss, grad };
}

/** ASAM's T = |w| + η on the weight matrices (w1, w2), 1 on the biases; plain SAM: T = 1. */
const scaling = (w: Weights, adaptive: boolean, eta: number) =>
  w.map((x, k) => x.map((v) => (adaptive && k % 2 === 0 ? Math.abs(v) + eta : 1)));

/**
 * m-sharpness in float64: for each of `m` parts, g_j, ε̂_j = ρ·T²g_j/‖T·g_j‖ and G_j at θ + ε̂_j
 * on that part only; returns (1/m)·Σ G_j and the per-part figures the plugin records.
 */
function reference(w: Weights, m: number, rho: number, adaptive = false, eta = 0.01) {
  const size = EXAMPLES / m;
  const t = scaling(w, adaptive, eta);
  const mean = w.map((x) => new Float64Array(x.length));
  const figures = { loss: 0, gradNorm: 0, perturbedLoss: 0 };
  for (let j = 0; j < m; j++) {
    const here = lossAndGradient(w, j * size, (j + 1) * size);
    const norm = (a: Weights) => Math.sqrt(a.reduce((s, x) => s + x.reduce((q, v) => q + v * v, 0), 0));
    const scaledNorm = norm(here.grad.map((g, k) => g.map((v, i) => t[k][i] * v)));
    const shifted = w.map((x, k) =>
      x.map((v, i) => v + (rho * t[k][i] * t[k][i] * here.grad[k][i]) / scaledNorm),
    );
    const there = lossAndGradient(shifted, j * size, (j + 1) * size);
    there.grad.forEach((g, k) => g.forEach((v, i) => (mean[k][i] += v / m)));
    figures.loss += here.loss / m;
    figures.gradNorm += norm(here.grad) / m;
    figures.perturbedLoss += there.loss / m;
  }
  return { grads: mean, ...figures };
}

/** The gradient the plugin hands to the wrapped optimizer, read as arrays. */
function applied(plugin: Plugin, p: Problem): Float32Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(p.perExampleLoss, p.variables);
  const out = p.variables.map((v) => Float32Array.from(grads[v.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  opt.dispose();
  return out;
}

const float64 = (p: Problem): Weights => p.read().map((x) => Float64Array.from(x));

describe('sam({ microBatches }): bad input is refused, naming the option, the value and what is allowed', () => {
  it.each([
    [{ microBatches: 0 }, "sam: option 'microBatches' must be an integer ≥ 1; got 0."],
    [{ microBatches: 2.5 }, "sam: option 'microBatches' must be an integer ≥ 1; got 2.5."],
    [{ microBatches: NaN }, "sam: option 'microBatches' must be an integer ≥ 1; got NaN."],
    [
      { microBatches: 4, every: 3 },
      "sam: option 'microBatches' (4) cannot be combined with option 'every' (3): the amortized ascent reuses one ε̂, m-sharpness makes one per micro-batch. Set one of them to 1.",
    ],
  ])('%o', (options, expected) => {
    expect(message(() => sam(options))).toBe(expected);
  });
});

describe.each(['cpu', 'wasm'])('sam({ microBatches: m }) — m-sharpness (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each([2, 4, 8])('m = %i: G = (1/m)·Σ_j ∇L_j(θ + ρ·g_j/‖g_j‖), as the float64 reference', (m) => {
    const p = problem();
    const rho = 0.2;
    const want = reference(float64(p), m, rho);
    const before = p.read();
    const got = applied(sam({ rho, microBatches: m }), p);
    expect(relativeError(got, want.grads)).toBeLessThan(1e-5);
    expect(p.read()).toEqual(before); // every probe restored θ
    // The m ascents differ from one whole-batch ascent: the test would not tell them apart otherwise.
    expect(relativeError(got, reference(float64(p), 1, rho).grads)).toBeGreaterThan(1e-2);
  });

  it('with ASAM (adaptive: true) each part makes ASAM’s ascent ρ·T²g_j/‖T·g_j‖', () => {
    const p = problem();
    const want = reference(float64(p), 4, 0.5, true, 0.01);
    const got = applied(sam({ rho: 0.5, microBatches: 4, adaptive: true }), p);
    expect(relativeError(got, want.grads)).toBeLessThan(1e-5);
  });

  it('costs 2m gradient evaluations, reports the batch loss and records means over the parts', () => {
    const p = problem();
    const rho = 0.2;
    const want = reference(float64(p), 4, rho);
    const report = withPlugins(tf.train.sgd(0), sam({ rho, microBatches: 4 })).step(
      p.perExampleLoss,
      p.variables,
    );
    expect(report.gradientEvaluations).toBe(8);
    expect(report.loss).toBeCloseTo(lossAndGradient(float64(p), 0, EXAMPLES).loss, 5);
    expect(report.loss).toBeCloseTo(want.loss, 5);
    expect(report.diagnostics['sam/gradNorm'] / want.gradNorm).toBeCloseTo(1, 5);
    expect(report.diagnostics['sam/ascentNorm']).toBeCloseTo(rho, 6);
    expect(report.diagnostics['sam/perturbedLoss']).toBeCloseTo(want.perturbedLoss, 5);
    expect(report.diagnostics['sam/sharpness']).toBeCloseTo(want.perturbedLoss - want.loss, 5);
    const twice = withPlugins(tf.train.sgd(0), sam({ rho, microBatches: 2 }));
    expect(twice.step(p.perExampleLoss, p.variables).gradientEvaluations).toBe(4);
    const flat = withPlugins(tf.train.sgd(0), sam({ rho: 0, microBatches: 4 }));
    expect(flat.step(p.perExampleLoss, p.variables).gradientEvaluations).toBe(1);
  });

  it('hands outer plugins the whole batch’s per-example losses, in order, and their mean as the loss', () => {
    const p = problem();
    let seen: { loss: number; perExample: number[] } | undefined;
    const spy: Plugin = {
      name: 'spy',
      evaluate(_ctx, next) {
        const ev = next();
        seen = { loss: ev.loss.dataSync()[0], perExample: Array.from(ev.perExample!.dataSync()) };
        return ev;
      },
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0), spy, sam({ rho: 0.2, microBatches: 4 }));
    tf.dispose(opt.computeGradients(p.perExampleLoss, p.variables).value);
    const whole = p.perExampleLoss();
    const mean = tf.mean(whole);
    expect(seen!.perExample).toEqual(Array.from(whole.dataSync()));
    expect(seen!.loss).toBe(mean.dataSync()[0]); // bit for bit what one part (m = 1) reports
    tf.dispose([whole, mean]);
    opt.dispose();
  });

  it('m = 1 is plain sam bit for bit, SAM and ASAM, scalar or per-example loss', () => {
    const p = problem();
    for (const options of [{ rho: 0.2 }, { rho: 0.5, adaptive: true }]) {
      expect(applied(sam({ ...options, microBatches: 1 }), p)).toEqual(applied(sam(options), p));
      const scalar = (plugin: Plugin) => {
        const opt = withPlugins(tf.train.adam(0.01), plugin);
        const { value, grads } = opt.computeGradients(p.loss, p.variables);
        const out = p.variables.map((v) => Float32Array.from(grads[v.name].dataSync()));
        tf.dispose([value, ...Object.values(grads)]);
        opt.dispose();
        return out;
      };
      expect(scalar(sam({ ...options, microBatches: 1 }))).toEqual(scalar(sam(options)));
    }
  });

  it('refuses a scalar loss, or a batch m does not divide, before anything is applied (also at ρ = 0)', () => {
    const p = problem();
    const before = p.read();
    const scalar =
      'sam: 4 micro-batches need the loss function to return a vector of per-example losses whose length 4 divides (for example a tf.losses.* loss with tf.Reduction.NONE); it returned a scalar. Nothing was applied.';
    const three =
      'sam: 3 micro-batches need the loss function to return a vector of per-example losses whose length 3 divides (for example a tf.losses.* loss with tf.Reduction.NONE); it returned 16 per-example losses. Nothing was applied.';
    // ρ warmed up from 0: the first step (ρ = 0, no ascent) already refuses the loss.
    const warm = linear({ from: 0, to: 0.2, steps: 10 });
    for (const rho of [0.2, warm]) {
      const four = withPlugins(tf.train.adam(0.1), sam({ rho, microBatches: 4 }));
      expect(message(() => four.minimize(p.loss, false, p.variables))).toBe(scalar);
      expect(four.iterations).toBe(0);
      const odd = withPlugins(tf.train.adam(0.1), sam({ rho, microBatches: 3 }));
      expect(message(() => odd.minimize(p.perExampleLoss, false, p.variables))).toBe(three);
      expect(odd.iterations).toBe(0);
      [four, odd].forEach((o) => o.dispose());
    }
    expect(p.read()).toEqual(before);
    const named = withPlugins(tf.train.sgd(0.1), sam({ rho: 0.2, microBatches: 4, name: 'outer' }));
    expect(message(() => named.minimize(p.loss, false, p.variables))).toBe(scalar.replace('sam:', 'outer:'));
    named.dispose();
  });

  it('leaks no tensor over steps whose report is read (deferred diagnostics included)', () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01), sam({ rho: 0.2, microBatches: 4 }));
    opt.step(p.perExampleLoss, p.variables);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(p.perExampleLoss, p.variables);
    for (let i = 0; i < 5; i++) opt.minimize(p.perExampleLoss, false, p.variables);
    expect(tf.memory().numTensors).toBe(tensors);
    opt.dispose();
  });
});

describe('sam({ microBatches }): configuration', () => {
  it('saves microBatches (default 1) and rebuilds from it', () => {
    expect(sam().getConfig().microBatches).toBe(1);
    expect(sam({ microBatches: 4 }).getConfig().microBatches).toBe(4);
  });
});
