import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linear, valueAt, withPlugins, type Plugin } from '@flatopt/core';
import { normals, readAll, relativeError, useBackend } from '@flatopt/core/testing';
import { flooding } from '@flatopt/flooding';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from '@flatopt/sam';
import { accumulate } from './accumulate';
import { learningRate } from './learning-rate';
import { decoupledWeightDecay } from './weight-decay';

/** Each tensor's bits, so that toEqual compares bit for bit. */
const bits = (xs: readonly Float32Array[]) =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

type Params = Float64Array[]; // [W (3×2, row-major), b (2)]
const [N, D, O] = [8, 3, 2];

/**
 * Linear regression ℓ_j = ½‖x_j·W + b − y_j‖² on 8 examples, with the mean loss and its gradient
 * over any contiguous micro-batch in float64 closed form (the data are float32 numbers, so the
 * references see exactly what tfjs sees).
 */
function regression(seed: number) {
  const X = Float64Array.from(normals(N * D, seed));
  const Y = Float64Array.from(normals(N * O, seed + 1));
  const initial: Params = [
    Float64Array.from(normals(D * O, seed + 2, 0.5)),
    Float64Array.from(normals(O, seed + 3, 0.1)),
  ];
  const W = tf.variable(tf.tensor2d(Float32Array.from(initial[0]), [D, O]), true);
  const b = tf.variable(tf.tensor1d(Float32Array.from(initial[1])), true);
  const [x, y] = [tf.tensor2d(Float32Array.from(X), [N, D]), tf.tensor2d(Float32Array.from(Y), [N, O])];
  const perExample = () =>
    tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, W), b), y)), 1)) as tf.Tensor1D);
  /** Residuals r_j = x_j·W + b − y_j of the rows of micro-batch s of m. */
  const residuals = ([w, bb]: Params, s: number, m: number) => {
    const rows = Array.from({ length: N / m }, (_, i) => s * (N / m) + i);
    return rows.map((j) => {
      const r = Array.from({ length: O }, (_, o) => bb[o] - Y[j * O + o]);
      for (let i = 0; i < D; i++) for (let o = 0; o < O; o++) r[o] += X[j * D + i] * w[i * O + o];
      return { j, r };
    });
  };
  return {
    variables: [W, b],
    initial,
    /** The mean loss of micro-batch s of m, for `minimize`. */
    loss: (s: number, m: number) => () =>
      tf.tidy(() => tf.mean(tf.slice(perExample(), [(N / m) * s], [N / m])) as tf.Scalar),
    lossValue: (p: Params, s: number, m: number) =>
      residuals(p, s, m).reduce((a, { r }) => a + 0.5 * r.reduce((q, v) => q + v * v, 0), 0) / (N / m),
    grad: (p: Params, s: number, m: number): Params => {
      const gw = new Float64Array(D * O);
      const gb = new Float64Array(O);
      const rs = residuals(p, s, m);
      for (const { j, r } of rs) {
        for (let o = 0; o < O; o++) {
          gb[o] += r[o] / rs.length;
          for (let i = 0; i < D; i++) gw[i * O + o] += (X[j * D + i] * r[o]) / rs.length;
        }
      }
      return [gw, gb];
    },
    read: () => readAll([W, b]),
    dispose: () => tf.dispose([W, b, x, y]),
  };
}
type Regression = ReturnType<typeof regression>;

// Float64 list maths.
const axpy = (a: Params, s: number, b: Params): Params => a.map((x, k) => x.map((v, i) => v + s * b[k][i]));
const scale = (a: Params, s: number): Params => a.map((x) => x.map((v) => v * s));
const norm = (a: Params) => Math.sqrt(a.reduce((t, x) => t + x.reduce((q, v) => q + v * v, 0), 0));
const mean = (list: Params[]): Params =>
  list.reduce((acc, g) => axpy(acc, 1 / list.length, g), scale(list[0], 0));

const cleanup: Array<{ dispose(): void }> = [];
afterEach(() => cleanup.splice(0).forEach((x) => x.dispose()));
const keep = <T extends { dispose(): void }>(x: T): T => (cleanup.push(x), x);

/**
 * Trains `updates` windows of m micro-batches with `plugins` on SGD(lr) and checks the weights
 * after each against θ ← θ − lr_u·mean_s G_s(θ), `perSlice` giving G_s in float64.
 */
function checkAgainst(
  plugins: Plugin[],
  m: number,
  perSlice: (r: Regression, theta: Params, s: number) => Params,
  options: { lr?: number; lrAt?: (update: number) => number; updates?: number; seed?: number } = {},
): number {
  const { lr = 0.1, lrAt = () => lr, updates = 3, seed = 2 } = options;
  const r = keep(regression(seed));
  const opt = keep(withPlugins(tf.train.sgd(lr), ...plugins));
  let theta = r.initial;
  let worst = 0;
  for (let u = 0; u < updates; u++) {
    const G = mean(Array.from({ length: m }, (_, s) => perSlice(r, theta, s)));
    theta = axpy(theta, -lrAt(u), G);
    for (let s = 0; s < m; s++) opt.minimize(r.loss(s, m), false, r.variables);
    worst = Math.max(worst, relativeError(r.read(), theta));
    expect(opt.iterations).toBe(u + 1);
  }
  expect(worst).toBeLessThan(1e-6);
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('accumulate composes on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const m = 4;

  it('plain: k micro-steps = one step with the whole-batch gradient (float64)', () => {
    checkAgainst([accumulate({ steps: m })], m, (r, theta, s) => r.grad(theta, s, m));
  });

  it("with sam: m micro-steps are Foret et al.'s m-sharpness, the mean over slices of ∇L_s(θ + ρ·g_s/‖g_s‖)", () => {
    const rho = 0.05;
    checkAgainst([accumulate({ steps: m }), sam({ rho })], m, (r, theta, s) => {
      const g = r.grad(theta, s, m);
      return r.grad(axpy(theta, rho / norm(g), g), s, m);
    });
  });

  it('with sam: two gradient evaluations per micro-batch', () => {
    const r = keep(regression(4));
    const opt = keep(withPlugins(tf.train.sgd(0.1), accumulate({ steps: m }), sam({ rho: 0.05 })));
    for (let s = 0; s < m; s++) expect(opt.step(r.loss(s, m), r.variables).gradientEvaluations).toBe(2);
    expect(opt.iterations).toBe(1);
  });

  it('with forward gradReg: the mean over slices of (1 − γ/ε)·g_s + (γ/ε)·∇L_s(θ + ε·g_s)', () => {
    const [gamma, epsilon] = [0.02, 0.05];
    checkAgainst([accumulate({ steps: m }), gradReg({ gamma, epsilon })], m, (r, theta, s) => {
      const g = r.grad(theta, s, m);
      const w = gamma / epsilon;
      return axpy(scale(g, 1 - w), w, r.grad(axpy(theta, epsilon, g), s, m));
    });
  });

  it('with flooding: the mean over slices of sign(L_s − b)·∇L_s, some slices ascending, some descending', () => {
    const r0 = keep(regression(2));
    const losses = Array.from({ length: m }, (_, s) => r0.lossValue(r0.initial, s, m));
    const level = Math.fround((Math.min(...losses) + Math.max(...losses)) / 2);
    let signs = new Set<number>();
    checkAgainst([accumulate({ steps: m }), flooding({ level })], m, (r, theta, s) => {
      const sign = r.lossValue(theta, s, m) >= level ? 1 : -1;
      signs = signs.add(sign);
      return scale(r.grad(theta, s, m), sign);
    });
    expect([...signs].sort()).toEqual([-1, 1]);
  });

  it('with learningRate: the schedule advances once per applied update', () => {
    const schedule = linear({ from: 0.2, to: 0.05, steps: 3 });
    checkAgainst(
      [learningRate({ schedule }), accumulate({ steps: m })],
      m,
      (r, theta, s) => r.grad(theta, s, m),
      { lr: 1, lrAt: (u) => valueAt(schedule, u), updates: 4 },
    );
  });

  it.each(['after', 'before'] as const)(
    'with decoupledWeightDecay %s it: θ·(1 − lr·λ) once per applied update, nothing in between',
    (where) => {
      const [lr, lambda] = [0.1, 0.3];
      const [acc, decay] = [accumulate({ steps: m }), decoupledWeightDecay({ rate: lambda, include: 'all' })];
      const r = keep(regression(6));
      const opt = keep(withPlugins(tf.train.sgd(lr), ...(where === 'after' ? [acc, decay] : [decay, acc])));
      let theta = r.initial;
      for (let u = 0; u < 3; u++) {
        const G = mean(Array.from({ length: m }, (_, s) => r.grad(theta, s, m)));
        theta = axpy(scale(theta, 1 - lr * lambda), -lr, G);
        const before = r.read();
        for (let s = 0; s < m; s++) {
          if (s > 0) expect(bits(r.read())).toEqual(bits(before));
          opt.minimize(r.loss(s, m), false, r.variables);
        }
        expect(relativeError(r.read(), theta)).toBeLessThan(1e-6);
      }
    },
  );
});
