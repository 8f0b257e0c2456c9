import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linear, valueAt, warmupCosine, withPlugins, type NamedTensor, type Plugin } from '@flatopt/core';
import {
  countKernels,
  flatoptErrorMessage,
  kernelDifference,
  mlpProblem,
  normals,
  readAll,
  relativeError,
  useBackend,
} from '@flatopt/core/testing';
import { weightNorm } from '@flatopt/weight-norm';
import { learningRate } from './learning-rate';
import { decoupledWeightDecay } from './weight-decay';

/** Each tensor's bits, so that toEqual compares bit for bit. */
const bits = (xs: readonly Float32Array[]) =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

/**
 * L = ½Σ h⊙(W − c)² + ½Σ k⊙(b − d)² over a kernel W [2, 3] and a bias b [3], whose gradient
 * h⊙(W − c), k⊙(b − d) the float64 references compute exactly (every constant is a float32).
 */
function quadratic(seed: number) {
  const f32 = (n: number, s: number, scale = 1) => Float64Array.from(normals(n, s, scale));
  const w0 = f32(6, seed);
  const b0 = f32(3, seed + 1);
  const h = f32(6, seed + 2).map((x) => Math.fround(0.5 + Math.abs(x)));
  const k = f32(3, seed + 3).map((x) => Math.fround(0.5 + Math.abs(x)));
  const c = f32(6, seed + 4);
  const d = f32(3, seed + 5);
  const W = tf.variable(tf.tensor2d(Float32Array.from(w0), [2, 3]), true);
  const b = tf.variable(tf.tensor1d(Float32Array.from(b0)), true);
  const consts = [h, c, k, d].map((x) => tf.tensor1d(Float32Array.from(x)));
  const [ht, ct, kt, dt] = consts;
  const loss = () =>
    tf.tidy(() => {
      const lw = tf.sum(tf.mul(ht, tf.square(tf.sub(tf.reshape(W, [6]), ct))));
      const lb = tf.sum(tf.mul(kt, tf.square(tf.sub(b, dt))));
      return tf.mul(0.5, tf.add(lw, lb)) as tf.Scalar;
    });
  return {
    variables: [W, b],
    loss,
    initial: [w0, b0],
    grad: ([w, bb]: Float64Array[]) => [
      w.map((x, i) => h[i] * (x - c[i])),
      bb.map((x, i) => k[i] * (x - d[i])),
    ],
    read: () => readAll([W, b]),
    dispose: () => tf.dispose([W, b, ...consts]),
  };
}

/** tfjs' Adam in float64: m, v, bias correction by β^t, ε added to √v̂ (tf.train.adam's defaults). */
function adamReference(initial: Float64Array[], grad: (t: Float64Array[]) => Float64Array[]) {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-7];
  const theta = initial.map((x) => Float64Array.from(x));
  const m = theta.map((x) => new Float64Array(x.length));
  const v = theta.map((x) => new Float64Array(x.length));
  let t = 0;
  return {
    theta,
    /** One step with learning rate lr and decay factor per tensor (1 − lr·λ, or 1). */
    step(lr: number, factors: number[]) {
      const g = grad(theta);
      t++;
      theta.forEach((x, j) =>
        x.forEach((_, i) => {
          m[j][i] = beta1 * m[j][i] + (1 - beta1) * g[j][i];
          v[j][i] = beta2 * v[j][i] + (1 - beta2) * g[j][i] ** 2;
          const mHat = m[j][i] / (1 - beta1 ** t);
          const vHat = v[j][i] / (1 - beta2 ** t);
          x[i] = x[i] * factors[j] - (lr * mHat) / (Math.sqrt(vHat) + eps);
        }),
      );
    },
  };
}

const cleanup: Array<{ dispose(): void }> = [];
afterEach(() => cleanup.splice(0).forEach((x) => x.dispose()));
const keep = <T extends { dispose(): void }>(x: T): T => (cleanup.push(x), x);

describe.each(['cpu', 'wasm'] as const)('decoupledWeightDecay on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('AdamW: Adam plus θ·(1 − lr_t·λ) under a warm-up/cosine schedule equals the float64 reference over 8 steps; the bias does not decay', () => {
    const schedule = warmupCosine({ peak: 0.05, warmup: 3, total: 8, initial: 0.01 });
    const lambda = 0.5;
    const q = keep(quadratic(7));
    const opt = keep(
      withPlugins(tf.train.adam(1), learningRate({ schedule }), decoupledWeightDecay({ rate: lambda })),
    );
    const ref = adamReference(q.initial, q.grad);
    const plain = adamReference(q.initial, q.grad); // no decay: shows the decay is seen
    for (let t = 0; t < 8; t++) {
      opt.minimize(q.loss, false, q.variables);
      const lr = valueAt(schedule, t);
      ref.step(lr, [1 - lr * lambda, 1]);
      plain.step(lr, [1, 1]);
      // 5e-6: tfjs' bare Adam itself drifts 2.2e-6 from this float64 recursion by step 8 (float32 rounding).
      expect(relativeError(q.read(), ref.theta)).toBeLessThan(5e-6);
    }
    expect(relativeError(ref.theta, plain.theta)).toBeGreaterThan(1e-3);
    expect(opt.iterations).toBe(8);
  });

  it("SGDW with include 'all' and a scheduled λ: θ ← θ·(1 − lr·λ_t) − lr·g, float64 reference over 6 steps", () => {
    const rate = linear({ from: 0.4, to: 0.1, steps: 5 });
    const lr = 0.1;
    const q = keep(quadratic(11));
    const opt = keep(withPlugins(tf.train.sgd(lr), decoupledWeightDecay({ rate, include: 'all' })));
    const theta = q.initial.map((x) => Float64Array.from(x));
    for (let t = 0; t < 6; t++) {
      opt.minimize(q.loss, false, q.variables);
      const g = q.grad(theta);
      const factor = 1 - lr * valueAt(rate, t);
      theta.forEach((x, j) => x.forEach((_, i) => (x[i] = x[i] * factor - lr * g[j][i])));
      expect(relativeError(q.read(), theta)).toBeLessThan(1e-6);
    }
  });

  it('a variable without gradient does not decay', () => {
    const q = keep(quadratic(5));
    const unused = keep(tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]), true));
    const opt = keep(withPlugins(tf.train.sgd(0.1), decoupledWeightDecay({ rate: 0.5, include: 'all' })));
    for (let t = 0; t < 3; t++) opt.minimize(q.loss, false, [...q.variables, unused]);
    expect(Array.from(unused.dataSync())).toEqual([1, 2, 3, 4]);
  });

  it('if the update throws, the decay is undone: weights bit for bit as before', () => {
    const q = keep(quadratic(3));
    const boom: Plugin = {
      name: 'boom',
      apply() {
        throw new Error('boom');
      },
      getConfig: () => ({}),
    };
    const opt = keep(
      withPlugins(tf.train.sgd(0.1), decoupledWeightDecay({ rate: 0.5, include: 'all' }), boom),
    );
    const before = q.read();
    const tensors = tf.memory().numTensors;
    expect(() => opt.minimize(q.loss, false, q.variables)).toThrow('boom');
    expect(bits(q.read())).toEqual(bits(before));
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('costs one Multiply per decayed variable and nothing else', () => {
    const stack = (...plugins: Plugin[]) => {
      const p = keep(mlpProblem({ seed: 9 }));
      const opt = keep(withPlugins(tf.train.sgd(0.1), ...plugins));
      const step = () => countKernels(() => opt.minimize(p.loss, false, p.variables)).counts;
      step(); // the first step creates state; count a later one
      return step();
    };
    const base = stack();
    expect(kernelDifference(stack(decoupledWeightDecay({ rate: 0.1 })), base)).toEqual({ Multiply: 2 }); // w1, w2
    expect(kernelDifference(stack(decoupledWeightDecay({ rate: 0.1, include: 'all' })), base)).toEqual({
      Multiply: 4,
    });
  });
});

describe('decoupledWeightDecay on cpu: models and reparameterizations', () => {
  beforeAll(() => useBackend('cpu'));

  /** Dense(4 → 3) then Dense(3 → 2): two kernels, two biases. */
  function model(optimizer: tf.Optimizer, weights?: tf.Tensor[]) {
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 3, activation: 'tanh' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    if (weights) m.setWeights(weights);
    m.compile({ optimizer, loss: 'meanSquaredError' });
    return m;
  }

  it.each(['weights', 'all'] as const)(
    "model.fit (SGD): with include '%s' the kernels decay by lr·λ·θ and the biases only under 'all'",
    async (include) => {
      const [lr, lambda] = [0.1, 0.3];
      const x = keep(tf.tensor2d(normals(32, 1), [8, 4]));
      const y = keep(tf.tensor2d(normals(16, 2), [8, 2]));
      const decayed = model(withPlugins(tf.train.sgd(lr), decoupledWeightDecay({ rate: lambda, include })));
      const initial = decayed.getWeights().map((w) => w.clone());
      const plain = model(tf.train.sgd(lr), initial);
      const before = readAll(initial);
      for (const m of [decayed, plain])
        await m.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
      // One step from the same weights: decayed − plain = −lr·λ·θ₀ on every decayed tensor.
      const [got, ref] = [readAll(decayed.getWeights()), readAll(plain.getWeights())];
      decayed.getWeights().forEach((w, j) => {
        const decays = include === 'all' || w.rank >= 2;
        if (!decays) return expect(bits([got[j]])).toEqual(bits([ref[j]]));
        const expected = Float64Array.from(ref[j], (r, i) => r - lr * lambda * before[j][i]);
        expect(relativeError([got[j]], [expected])).toBeLessThan(1e-6);
      });
      decayed.optimizer.dispose();
      [decayed, plain].forEach((m) => m.dispose());
      tf.dispose(initial);
    },
  );

  it('with weightNorm: its parameters g, v decay by their own rank, the derived kernels are recomputed from them', async () => {
    const [lr, lambda] = [0.1, 0.2];
    const [a, b] = [keep(mlpProblem({ seed: 4 })), keep(mlpProblem({ seed: 4 }))];
    const w0 = [a.read()[0], a.read()[2]];
    const withDecay = keep(
      withPlugins(tf.train.sgd(lr), decoupledWeightDecay({ rate: lambda }), weightNorm()),
    );
    const without = keep(withPlugins(tf.train.sgd(lr), weightNorm()));
    withDecay.minimize(a.loss, false, a.variables);
    without.minimize(b.loss, false, b.variables);
    const state = async (opt: tf.Optimizer) => {
      const ws = await opt.getWeights();
      const out = Object.fromEntries(
        ws.slice(1).map((w) => [w.name.split('/').pop()!, readAll([w.tensor])[0]]),
      );
      ws[0].tensor.dispose();
      return out;
    };
    const [got, ref] = [await state(withDecay), await state(without)];
    // The parameters before the step: v = w, g = ‖w‖ over the input axis ([1, units], rank 2).
    const initial: Record<string, Float64Array> = {
      v0: Float64Array.from(w0[0]),
      v2: Float64Array.from(w0[1]),
      g0: columnNorms(w0[0], 8),
      g2: columnNorms(w0[1], 3),
    };
    for (const name of ['g0', 'v0', 'g2', 'v2']) {
      const expected = Float64Array.from(ref[name], (r, i) => r - lr * lambda * initial[name][i]);
      expect(relativeError([got[name]], [expected])).toBeLessThan(1e-6);
    }
    // Biases (rank 1) do not decay: equal bit for bit to the run without decay.
    expect(bits([a.read()[1], a.read()[3]])).toEqual(bits([b.read()[1], b.read()[3]]));
    // The kernels are the derived g·v/‖v‖ of the decayed parameters, which differ from the plain run.
    expect(relativeError([a.read()[0]], [Float64Array.from(b.read()[0])])).toBeGreaterThan(1e-4);
  });

  it('throws a clear error when the wrapped optimizer has no learning rate, before anything changes', () => {
    class Fixed extends tf.Optimizer {
      static get className() {
        return 'FixedStepTest';
      }
      applyGradients(grads: tf.NamedTensorMap | NamedTensor[]) {
        const list = Array.isArray(grads)
          ? grads
          : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
        tf.tidy(() =>
          list.forEach(({ name, tensor }) => {
            const v = tf.engine().registeredVariables[name];
            if (tensor) v.assign(tf.sub(v, tf.mul(tensor, 0.1)));
          }),
        );
      }
      getConfig() {
        return {};
      }
    }
    const q = keep(quadratic(2));
    const opt = keep(withPlugins(new Fixed(), decoupledWeightDecay({ rate: 0.1 })));
    const before = q.read();
    expect(flatoptErrorMessage(() => opt.minimize(q.loss, false, q.variables))).toBe(
      "decoupledWeightDecay: the wrapped optimizer has no numeric learning rate, and the decay is the learning rate times 'rate' (lr·λ). " +
        'Wrap a tf.train optimizer (every one has a learningRate). Nothing was applied.',
    );
    expect(bits(q.read())).toEqual(bits(before));
  });

  it('bad options: exact messages, thrown before any optimizer exists', () => {
    const make = (options: unknown) => () => decoupledWeightDecay(options as never);
    expect(flatoptErrorMessage(make({}))).toBe(
      "decoupledWeightDecay: option 'rate' is required: the decay coefficient λ, a finite number ≥ 0 or a schedule, e.g. decoupledWeightDecay({ rate: 0.01 }) (torch AdamW’s default).",
    );
    expect(flatoptErrorMessage(make({ rate: -0.1 }))).toBe(
      "decoupledWeightDecay: option 'rate' must be a finite number ≥ 0; got -0.1.",
    );
    expect(flatoptErrorMessage(make({ rate: NaN }))).toBe(
      "decoupledWeightDecay: option 'rate' must be a finite number ≥ 0; got NaN.",
    );
    expect(flatoptErrorMessage(make({ rate: linear({ from: 0.1, to: -0.1, steps: 10 }) }))).toBe(
      "decoupledWeightDecay: option 'rate' is a 'linear' schedule that reaches -0.1; every value must be a finite number ≥ 0.",
    );
    expect(flatoptErrorMessage(make({ rate: 0.1, include: 'bias' }))).toBe(
      "decoupledWeightDecay: option 'include' must be one of 'weights', 'all'; got \"bias\".",
    );
    expect(flatoptErrorMessage(make({ rate: 0.1, lambda: 0.1 }))).toBe(
      "decoupledWeightDecay: unknown option 'lambda'; allowed options are 'rate', 'include', 'name'.",
    );
  });
});

/** √Σᵢ w[i, j]² per column j of a row-major [rows, cols] matrix, in float64. */
function columnNorms(w: Float32Array, cols: number): Float64Array {
  const out = new Float64Array(cols);
  w.forEach((x, k) => (out[k % cols] += x * x));
  return out.map(Math.sqrt);
}
