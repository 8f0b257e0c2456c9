import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  follow,
  PluggedOptimizer,
  valueAt,
  warmupCosine,
  withPlugins,
  type Plugin,
  type Schedule,
} from '@flatopt/core';
import {
  flatoptErrorMessage as message,
  kernelsAdded,
  mlpProblem,
  mulberry32,
  normals,
  problemStepKernels,
  relativeError,
  type Problem,
} from '@flatopt/core/testing';
import { gsam, surrogateGapDirection } from './gsam';
import { sam } from './sam';

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

/**
 * L(θ) = ½θᵀAθ − bᵀθ over θ = (x, y) held in two variables (x: 4 entries, y: 2×1), A symmetric
 * positive definite: ∇L = Aθ − b in closed form, in float64.
 */
function quadratic(seed: number) {
  const d = 6;
  const rand = mulberry32(seed);
  const m = Array.from({ length: d * d }, () => rand() - 0.5);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = i === j ? 0.5 : 0;
      for (let k = 0; k < d; k++) s += m[k * d + i] * m[k * d + j];
      A[i * d + j] = s * 4;
    }
  const b = Float64Array.from({ length: d }, () => rand() - 0.5);
  const theta0 = Float32Array.from({ length: d }, () => 2 * rand() - 1);
  const x = tf.variable(tf.tensor1d(theta0.slice(0, 4)), true, `gsam-x-${seed}`);
  const y = tf.variable(tf.tensor2d(theta0.slice(4), [2, 1]), true, `gsam-y-${seed}`);
  const At = tf.tensor2d(Float32Array.from(A), [d, d]);
  const bt = tf.tensor1d(Float32Array.from(b));
  disposables.push(x, y, At, bt);
  const loss = () =>
    tf.tidy(() => {
      const theta = tf.concat([x, tf.reshape(y, [2])]);
      const quad = tf.sum(tf.mul(theta, tf.squeeze(tf.matMul(At, tf.reshape(theta, [d, 1])))));
      return tf.sub(tf.mul(quad, 0.5), tf.sum(tf.mul(bt, theta))) as tf.Scalar;
    });
  const grad = (t: Float64Array) =>
    Float64Array.from({ length: d }, (_, i) =>
      A.slice(i * d, i * d + d).reduce((s, a, j) => s + a * t[j], -b[i]),
    );
  const theta = () => Float64Array.from([...x.dataSync(), ...y.dataSync()]);
  return { variables: [x, y] as tf.Variable[], loss, grad, theta };
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

/**
 * GSAM's direction in float64 (Zhuang et al. 2022, Algorithm 1): g = ∇L(θ), ε̂ = ρ·T²g/‖Tg‖
 * (T = 1: SAM), g_p = ∇L(θ + ε̂), g_⊥ = g − (⟨g, g_p⟩/‖g_p‖²)·g_p, d = g_p − α·g_⊥.
 */
function reference(q: ReturnType<typeof quadratic>, rho: number, alpha: number, t?: Float64Array) {
  const theta = q.theta();
  const T = t ?? theta.map(() => 1);
  const g = q.grad(theta);
  const tg = g.map((v, i) => T[i] * v);
  const norm = Math.sqrt(dot(tg, tg));
  const gp = q.grad(theta.map((v, i) => v + (rho * T[i] * tg[i]) / norm));
  const c = dot(g, gp) / dot(gp, gp);
  const d = gp.map((v, i) => v - alpha * (g[i] - c * v));
  return { d, g, gp, cosine: dot(g, gp) / Math.sqrt(dot(g, g) * dot(gp, gp)) };
}

/** The gradient the plugin hands to the wrapped optimizer, flattened. */
function applied(
  plugin: Plugin,
  variables: tf.Variable[],
  loss: () => tf.Scalar | tf.Tensor1D,
): Float32Array {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(loss, variables);
  const out = Float32Array.from(variables.flatMap((v) => Array.from(grads[v.name].dataSync())));
  tf.dispose([value, ...Object.values(grads)]);
  opt.dispose();
  return out;
}

describe('gsam: bad input is refused at construction, naming the option, the value and what is allowed', () => {
  it.each([
    [{ rho: 0.05, alpha: -0.1 }, "gsam: option 'alpha' must be a finite number ≥ 0; got -0.1."],
    [{ rho: 0.05, alpha: NaN }, "gsam: option 'alpha' must be a finite number ≥ 0; got NaN."],
    [{ rho: 0.05, alpha: Infinity }, "gsam: option 'alpha' must be a finite number ≥ 0; got Infinity."],
    [{ rho: -1, alpha: 0.3 }, "gsam: option 'rho' must be a finite number ≥ 0; got -1."],
    [{ rho: NaN, alpha: 0.3 }, "gsam: option 'rho' must be a finite number ≥ 0; got NaN."],
    [
      { rho: 0.05 },
      "gsam: option 'alpha' is required: the weight α ≥ 0 of the surrogate-gap term (0 is SAM); the official code uses 0.2 on CIFAR-10 (with adaptive: true, rho 2) and 0.6 for ViT-B/32 on ImageNet — tune it on a validation split.",
    ],
    [
      { alpha: 0.3 },
      "gsam: option 'rho' is required: a finite number ≥ 0 or a schedule; GSAM ties ρ to the learning rate: rho: follow(lrSchedule, { min: rhoMin, max: rhoMax }) with follow from '@flatopt/core' (the official ViT-B/32 ImageNet config: ρ from 0.6 down to 0.1).",
    ],
    [
      { rho: 0.05, alpha: 0.3, beta: 1 },
      "gsam: unknown option 'beta'; allowed options are 'rho', 'alpha', 'adaptive', 'eta', 'adaptiveScope', 'name'.",
    ],
  ])('%o', (options, expected) => {
    expect(message(() => gsam(options as never))).toBe(expected);
  });
});

describe.each(['cpu', 'wasm'])('gsam (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each([
    [0.05, 0.3],
    [0.2, 1],
    [0.5, 2.5],
  ])('ρ = %f, α = %f: d = g_p − α·g_⊥ on a quadratic, as the float64 closed form', (rho, alpha) => {
    const q = quadratic(7);
    const want = reference(q, rho, alpha);
    const before = q.theta();
    const got = applied(gsam({ rho, alpha }), q.variables, q.loss);
    expect(relativeError([got], [want.d])).toBeLessThan(1e-5);
    expect(q.theta()).toEqual(before);
    // g_⊥ is not negligible here: d differs from SAM's g_p well beyond the tolerance.
    expect(relativeError([got], [want.gp])).toBeGreaterThan(1e-3);
  });

  it('with ASAM’s ascent (adaptive, scope all): ε̂ = ρ·T²g/‖Tg‖, T = |θ| + η', () => {
    const q = quadratic(9);
    const t = q.theta().map((v) => Math.abs(v) + 0.01);
    const want = reference(q, 0.5, 0.4, t);
    const got = applied(
      gsam({ rho: 0.5, alpha: 0.4, adaptive: true, adaptiveScope: 'all' }),
      q.variables,
      q.loss,
    );
    expect(relativeError([got], [want.d])).toBeLessThan(1e-5);
  });

  it('costs 2 gradient evaluations and records ‖g‖, ‖ε̂‖, L(θ + ε̂), the surrogate gap h and cos∠(g, g_p)', () => {
    const q = quadratic(7);
    const [rho, alpha] = [0.2, 0.5];
    const want = reference(q, rho, alpha);
    const lossAt = (theta: Float64Array) => {
      const saved = q.variables.map((v) => tf.clone(v));
      q.variables[0].assign(tf.tensor1d(Float32Array.from(theta.slice(0, 4))));
      q.variables[1].assign(tf.tensor2d(Float32Array.from(theta.slice(4)), [2, 1]));
      const value = q.loss().dataSync()[0];
      q.variables.forEach((v, i) => v.assign(saved[i]));
      tf.dispose(saved);
      return value;
    };
    const theta = q.theta();
    const norm = Math.sqrt(dot(want.g, want.g));
    const perturbed = lossAt(theta.map((v, i) => v + (rho * want.g[i]) / norm));
    const report = withPlugins(tf.train.sgd(0), gsam({ rho, alpha })).step(q.loss, q.variables);
    expect(report.gradientEvaluations).toBe(2);
    expect(report.diagnostics['gsam/gradNorm'] / norm).toBeCloseTo(1, 5);
    expect(report.diagnostics['gsam/ascentNorm']).toBeCloseTo(rho, 6);
    expect(report.diagnostics['gsam/perturbedLoss']).toBeCloseTo(perturbed, 5);
    expect(report.diagnostics['gsam/surrogateGap']).toBeCloseTo(perturbed - report.loss, 5);
    expect(report.diagnostics['gsam/cosine']).toBeCloseTo(want.cosine, 5);
    const flat = withPlugins(tf.train.sgd(0), gsam({ rho: 0, alpha }));
    expect(flat.step(q.loss, q.variables).gradientEvaluations).toBe(1);
  });

  it('α = 0 is sam with the same ρ bit for bit: gradient, loss and diagnostics (SAM and ASAM)', () => {
    const p: Problem = mlpProblem({ seed: 3 });
    disposables.push(p);
    for (const options of [{ rho: 0.05 }, { rho: 0.5, adaptive: true }]) {
      const [a, b] = [gsam({ ...options, alpha: 0 }), sam(options)];
      expect(applied(a, p.variables, p.loss)).toEqual(applied(b, p.variables, p.loss));
      const ra = withPlugins(tf.train.sgd(0), gsam({ ...options, alpha: 0 })).step(p.loss, p.variables);
      const rb = withPlugins(tf.train.sgd(0), sam(options)).step(p.loss, p.variables);
      expect(ra.loss).toBe(rb.loss);
      for (const key of ['gradNorm', 'ascentNorm', 'perturbedLoss'])
        expect(ra.diagnostics[`gsam/${key}`]).toBe(rb.diagnostics[`sam/${key}`]);
      expect(ra.diagnostics['gsam/surrogateGap']).toBe(rb.diagnostics['sam/sharpness']);
    }
  });

  it('at a zero perturbed gradient makes no NaN: d = −α·g (the projection on 0 is 0)', () => {
    // L = −½‖θ‖² from θ = (0.25, 0) with ρ = 0.25: the ascent lands exactly on the maximum θ = 0.
    const w = tf.variable(tf.tensor1d([0.25, 0]), true, `gsam-zero-gp-${backend}`);
    disposables.push(w);
    const loss = () => tf.mul(tf.sum(tf.square(w)), -0.5) as tf.Scalar;
    const alpha = 0.4;
    expect(Array.from(applied(gsam({ rho: 0.25, alpha }), [w], loss))).toEqual([
      Math.fround(0.25 * alpha),
      0,
    ]);
    const report = withPlugins(tf.train.sgd(0.1), gsam({ rho: 0.25, alpha })).step(loss, [w]);
    expect(Object.values(report.diagnostics).every(Number.isFinite)).toBe(true);
  });

  it('at a zero gradient makes no NaN and steps exactly like the wrapped optimizer', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]), true, `gsam-zero-${backend}`);
    disposables.push(w);
    const loss = () => tf.mul(tf.sum(w), 0) as tf.Scalar; // ∇L = 0 everywhere
    for (const plugin of [gsam({ rho: 0.05, alpha: 0.3 }), gsam({ rho: 0.5, alpha: 0.3, adaptive: true })]) {
      const report = withPlugins(tf.train.adam(0.1), plugin).step(loss, [w]);
      expect(Object.values(report.diagnostics).every(Number.isFinite)).toBe(true);
      expect(Array.from(w.dataSync())).toEqual([1, -2, 3]);
    }
  });

  it('with rho: follow(lr, { min, max }), ρ_t = ρ_min + (ρ_max − ρ_min)(lr_t − lr_min)/(lr_max − lr_min)', () => {
    const q = quadratic(7);
    const lr: Schedule = warmupCosine({ peak: 0.1, warmup: 3, total: 10 });
    // A learning-rate plugin as @flatopt/transforms' learningRate({ schedule: lr }) is.
    const schedule: Plugin = { name: 'lr', learningRate: (t) => valueAt(lr, t), getConfig: () => ({}) };
    const [rhoMin, rhoMax] = [0.01, 0.05];
    const opt = withPlugins(
      tf.train.sgd(0.1),
      schedule,
      gsam({ rho: follow(lr, { min: rhoMin, max: rhoMax }), alpha: 0.3 }),
    );
    for (let t = 0; t < 12; t++) {
      // lr_t by hand: linear warm-up 0 → 0.1 over 3 steps, then cosine 0.1 → 0 by step 10 (lr_min 0).
      const lrT = t < 3 ? (0.1 * t) / 3 : t >= 10 ? 0 : (0.1 * (1 + Math.cos((Math.PI * (t - 3)) / 7))) / 2;
      const report = opt.step(q.loss, q.variables);
      expect(opt.learningRate).toBeCloseTo(lrT, 7);
      expect(report.diagnostics['gsam/ascentNorm']).toBeCloseTo(rhoMin + ((rhoMax - rhoMin) * lrT) / 0.1, 6);
    }
    opt.dispose();
  });

  it('leaks no tensor over steps whose report is read', () => {
    const q = quadratic(7);
    const opt = withPlugins(tf.train.adam(0.01), gsam({ rho: 0.1, alpha: 0.5 }));
    opt.step(q.loss, q.variables);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(q.loss, q.variables);
    for (let i = 0; i < 5; i++) opt.minimize(q.loss, false, q.variables);
    expect(tf.memory().numTensors).toBe(tensors);
    opt.dispose();
  });
});

describe.each(['cpu', 'wasm'])(
  'surrogateGapDirection (%s): both forms, the float32 one and the half-precision one',
  (backend) => {
    beforeAll(() => tf.setBackend(backend));

    /** d = g_p − α·(g − (⟨g, g_p⟩/‖g_p‖²)·g_p) over concatenated lists, in float64. */
    const closedForm = (g: Float64Array, gp: Float64Array, alpha: number) => {
      const c = dot(gp, gp) === 0 ? 0 : dot(g, gp) / dot(gp, gp);
      return gp.map((v, i) => v - alpha * (g[i] - c * v));
    };

    it.each([
      ['unit-sized gradients', 1],
      ['‖g_p‖ ≈ 3·10³ (‖g_p‖² past float16’s range)', 1e3],
      ['‖g_p‖ ≈ 3·10⁻⁴', 1e-4],
    ])('%s', (_label, size) => {
      const [g, gp] = [11, 12].map((seed) => Float64Array.from(normals(10, seed, size)));
      const parts = (x: Float64Array) => [
        tf.tensor1d(Float32Array.from(x.slice(0, 4))),
        tf.tensor2d(Float32Array.from(x.slice(4)), [3, 2]),
      ];
      const want = closedForm(
        Float64Array.from(Float32Array.from(g)),
        Float64Array.from(Float32Array.from(gp)),
        0.7,
      );
      for (const half of [false, true]) {
        const [a, b] = [parts(g), parts(gp)];
        const d = surrogateGapDirection(a, b, 0.7, half);
        const got = d.flatMap((x) => Array.from(x!.dataSync()));
        expect(relativeError([got], [want])).toBeLessThan(1e-6);
        tf.dispose([...a, ...b, ...(d as tf.Tensor[])]);
      }
    });

    it('g_p = 0 gives d = −α·g in both forms; a variable without gradient stays null', () => {
      for (const half of [false, true]) {
        const g = [tf.tensor1d([0.5, -2]), null];
        const gp = [tf.zeros([2]), null];
        const d = surrogateGapDirection(g, gp, 0.25, half);
        expect(Array.from(d[0]!.dataSync())).toEqual([-0.125, 0.5]);
        expect(d[1]).toBeNull();
        tf.dispose([g[0]!, gp[0]!, d[0]!]);
      }
    });
  },
);

describe.each(['cpu', 'wasm'])('gsam: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('adds to sam ⟨g, g_p⟩ and ‖g_p‖² (n Multiply/Square, 2n Sum, 2 AddN), k and 1 + α·k (4) and the combination (3n)', () => {
    const minimize = (plugin: Plugin) => {
      const opt = withPlugins(tf.train.sgd(0.1), plugin);
      return problemStepKernels((p) => () => opt.minimize(p.loss, false, p.variables));
    };
    const [withGsam, withSam] = [minimize(gsam({ rho: 0.05, alpha: 0.3 })), minimize(sam({ rho: 0.05 }))];
    const n = 4; // the problem's variables
    expect(withGsam.total - withSam.total, kernelsAdded(withGsam, withSam)).toBeLessThanOrEqual(
      4 * n + 2 + 4 + 3 * n,
    );
  });
});

describe('gsam: configuration', () => {
  it('round-trips through getConfig / fromConfig, a follow schedule included', () => {
    const lr = warmupCosine({ peak: 1e-3, warmup: 5, total: 50 });
    const opt = withPlugins(
      tf.train.adam(1e-3),
      gsam({ rho: follow(lr, { min: 0.02, max: 0.05 }), alpha: 0.3 }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins[0].config).toMatchObject({
      alpha: 0.3,
      adaptive: false,
      eta: 0.01,
      adaptiveScope: 'weights',
    });
    expect(config.plugins[0].config.rho.schedule).toBe('follow');
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
    opt.dispose();
    restored.dispose();
  });
});
