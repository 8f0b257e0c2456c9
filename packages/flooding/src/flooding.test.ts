import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlatoptError, linear, PluggedOptimizer, step, withPlugins } from '@flatopt/core';
import {
  diagonalLinearNetwork,
  flatoptErrorMessage as message,
  mlpProblem,
  normals,
  relativeError,
  type Dln,
  type Problem,
} from '@flatopt/core/testing';
import { flooding } from './flooding';

// Tests below that build optimizers before choosing a backend get cpu (wasm initializes asynchronously).
beforeAll(() => tf.setBackend('cpu'));

const bits = (xs: ArrayLike<number>[]) =>
  xs.map((x) => Array.from(new Uint32Array(Float32Array.from(x).buffer)));
const read = (vars: tf.Variable[]) => vars.map((v) => Float32Array.from(v.dataSync()));

describe('flooding: bad input is refused at construction, naming the option, the value and what is allowed', () => {
  const required =
    "flooding: option 'level' is required: the flood level b, a finite number ≥ 0 or a schedule, e.g. flooding({ level: 0.02 }). " +
    'There is no default; Ishida et al. choose b by validation (grid 0.00, 0.01, …, 0.10).';
  it.each([
    [{ level: -0.1 }, "flooding: option 'level' must be a finite number ≥ 0; got -0.1."],
    [{ level: NaN }, "flooding: option 'level' must be a finite number ≥ 0; got NaN."],
    [{ level: Infinity }, "flooding: option 'level' must be a finite number ≥ 0; got Infinity."],
    [
      { level: '0.1' },
      'flooding: option \'level\' must be a finite number ≥ 0 or a schedule (constant, linear, cosine, step, join, follow); got "0.1".',
    ],
    [
      { level: linear({ from: 0.1, to: -0.1, steps: 100 }) },
      "flooding: option 'level' is a 'linear' schedule that reaches -0.1; every value must be a finite number ≥ 0.",
    ],
    [
      { level: step({ values: [0.05, -0.01], boundaries: [10] }) },
      "flooding: option 'level' is a 'step' schedule that reaches -0.01; every value must be a finite number ≥ 0.",
    ],
    [
      { level: 0.1, granularity: 'sample' },
      "flooding: option 'granularity' must be one of 'batch', 'example'; got \"sample\".",
    ],
    [{ levl: 0.1 }, "flooding: unknown option 'levl'; allowed options are 'level', 'granularity', 'name'."],
    [{}, required],
    [undefined, required],
    [null, 'flooding: options must be an object; got null.'],
  ])('%o', (options, expected) => {
    expect(message(() => flooding(options as never))).toBe(expected);
  });

  it('accepts b = 0 and any finite b ≥ 0, as a number or a schedule', () => {
    expect(flooding({ level: 0 }).name).toBe('flooding');
    expect(flooding({ level: linear({ from: 0, to: 0.1, steps: 10 }), name: 'fl' }).name).toBe('fl');
  });
});

describe('flooding: configuration', () => {
  it('round-trips through getConfig / fromConfig with schedules, and keeps its instance name', () => {
    const opt = withPlugins(
      tf.train.adam(1e-3),
      flooding({ level: linear({ from: 0, to: 0.05, steps: 100 }), granularity: 'example', name: 'fl' }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins).toEqual([
      {
        type: 'flooding',
        name: 'fl',
        config: {
          level: { schedule: 'linear', from: 0, to: 0.05, steps: 100, start: 0 },
          granularity: 'example',
        },
      },
    ]);
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
    expect(restored.plugins[0].name).toBe('fl');
    expect(withPlugins(tf.train.sgd(1), flooding({ level: 0.02 })).getConfig()).toMatchObject({
      plugins: [{ type: 'flooding', name: 'flooding', config: { level: 0.02, granularity: 'batch' } }],
    });
  });
});

describe.each(['cpu', 'wasm'])('flooding: the update, exactly (%s)', (backend) => {
  const owned: Array<Problem | Dln> = [];
  const own = <T extends Problem | Dln>(x: T): T => {
    owned.push(x);
    return x;
  };
  beforeAll(() => tf.setBackend(backend));
  afterEach(() => owned.splice(0).forEach((x) => x.dispose()));

  /**
   * One step of `opt` on a fresh copy of the kit's MLP (seed 3); the weights before and after.
   * Per-example losses go only to a PluggedOptimizer (tf.Optimizer's type wants a scalar).
   */
  const stepMlp = (opt: tf.Optimizer, perExample = false) => {
    const p = own(mlpProblem({ seed: 3 }));
    const before = p.read();
    opt.minimize((perExample ? p.perExampleLoss : p.loss) as () => tf.Scalar, false, p.variables);
    return { before, after: p.read() };
  };

  it('above the level the step is plain descent, bit for bit, at either granularity', () => {
    // L ≈ 1.17 and every ℓ_i ≥ 0.2 on this problem.
    const bare = stepMlp(tf.train.sgd(0.1));
    const batch = stepMlp(withPlugins(tf.train.sgd(0.1), flooding({ level: 0.5 })));
    const example = stepMlp(
      withPlugins(tf.train.sgd(0.1), flooding({ level: 0.1, granularity: 'example' })),
      true,
    );
    expect(bits(batch.after)).toEqual(bits(bare.after));
    expect(bits(example.after)).toEqual(bits(bare.after));
    expect(bits(bare.after)).not.toEqual(bits(bare.before));
  });

  it('below the level the step is an ascent θ + η∇L: bit for bit SGD with −η, at either granularity', () => {
    const ascent = stepMlp(tf.train.sgd(-0.1));
    const batch = stepMlp(withPlugins(tf.train.sgd(0.1), flooding({ level: 2 })));
    const example = stepMlp(
      withPlugins(tf.train.sgd(0.1), flooding({ level: 10, granularity: 'example' })),
      true,
    );
    expect(bits(batch.after)).toEqual(bits(ascent.after));
    expect(bits(example.after)).toEqual(bits(ascent.after));
  });

  it('b = 0 is plain training bit for bit even where a loss is exactly 0 (at L = b the step descends)', () => {
    // ℓ_i = |w_i − t_i| at w = t: every loss is 0, and tfjs' gradient of |x| at 0 is −1, so a
    // step moves w. The paper's |L − b| + b would flip that (tfjs: |·|′(0) = −1) into the opposite step.
    const target = tf.tensor1d([0.5, -1.5, 2]);
    const run = (optimizer: tf.Optimizer, perExample: boolean) => {
      const w = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
      const losses = () => tf.abs(tf.sub(w, target)) as tf.Tensor1D;
      const loss = () => (perExample ? losses() : tf.mean(losses())) as tf.Scalar;
      optimizer.minimize(loss, false, [w]);
      const out = Float32Array.from(w.dataSync());
      w.dispose();
      return out;
    };
    try {
      const bare = run(tf.train.sgd(0.1), false);
      expect(Array.from(bare)).not.toEqual([0.5, -1.5, 2]);
      expect(bits([run(withPlugins(tf.train.sgd(0.1), flooding({ level: 0 })), false)])).toEqual(
        bits([bare]),
      );
      const example = withPlugins(tf.train.sgd(0.1), flooding({ level: 0, granularity: 'example' }));
      expect(bits([run(example, true)])).toEqual(bits([bare]));
    } finally {
      target.dispose();
    }
  });

  it('below the level, θ′ = θ + η·∇L against the float64 closed form on the diagonal linear network', () => {
    const n = own(diagonalLinearNetwork());
    const eta = 0.01;
    const [u0, v0] = read([n.u, n.v]);
    const [gu, gv] = n.gradient();
    const report = withPlugins(tf.train.sgd(eta), flooding({ level: 10 })).step(n.loss, [n.u, n.v]);
    const [u1, v1] = read([n.u, n.v]);
    expect(report.loss).toBeLessThan(10);
    expect(report.diagnostics['flooding/belowLevel']).toBe(1);
    // θ′ − θ in float64 from the float32 weights; ‖η·g‖ ≈ 0.06 against weights ≈ 0.5.
    const moved = [u1.map((x, i) => x - u0[i]), v1.map((x, i) => x - v0[i])];
    expect(relativeError(moved, [gu.map((x) => eta * x), gv.map((x) => eta * x)])).toBeLessThan(2e-5);
  });

  it('per example, the gradient is mean_i sign(ℓ_i − b)·∇ℓ_i (hand-computed, least squares)', () => {
    // ℓ_i = ½(x_i·w + c − y_i)², ∇_w ℓ_i = r_i·x_i, ∇_c ℓ_i = r_i; 8 examples, 3 features.
    const [m, d] = [8, 3];
    const xs = normals(m * d, 17);
    const ys = normals(m, 18);
    const w = tf.variable(tf.tensor1d([0.3, -0.2, 0.5]), true, 'flooding-test/w');
    const c = tf.variable(tf.scalar(0.1), true, 'flooding-test/c');
    const x = tf.tensor2d(xs, [m, d]);
    const y = tf.tensor1d(ys);
    const perExample = () =>
      tf.tidy(() => {
        const r = tf.sub(tf.add(tf.squeeze(tf.matMul(x, tf.reshape(w, [d, 1])), [1]), c), y);
        return tf.mul(0.5, tf.square(r)) as tf.Tensor1D;
      });
    const [w0, c0] = [Array.from(w.dataSync()), c.dataSync()[0]];
    const r = ys.map((yi, i) => xs[i * d] * w0[0] + xs[i * d + 1] * w0[1] + xs[i * d + 2] * w0[2] + c0 - yi);
    const losses = Array.from(r, (ri) => 0.5 * ri * ri);
    const sorted = [...losses].sort((a, b) => a - b);
    const level = (sorted[3] + sorted[4]) / 2; // half the examples below, half above
    const expected = (sign: (i: number) => number) => {
      const gw = new Float64Array(d);
      let gc = 0;
      r.forEach((ri, i) => {
        for (let k = 0; k < d; k++) gw[k] += (sign(i) * ri * xs[i * d + k]) / m;
        gc += (sign(i) * ri) / m;
      });
      return [gw, [gc]];
    };
    const gradient = (granularity: 'batch' | 'example') => {
      const opt = withPlugins(tf.train.sgd(0.1), flooding({ level, granularity }));
      const { value, grads } = opt.computeGradients(perExample, [w, c]);
      const out = [Float64Array.from(grads[w.name].dataSync()), Float64Array.from(grads[c.name].dataSync())];
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    try {
      expect(losses.filter((l) => l < level)).toHaveLength(4);
      const perExampleSign = expected((i) => Math.sign(losses[i] - level));
      expect(relativeError(gradient('example'), perExampleSign)).toBeLessThan(1e-6);
      // 'batch' on the same vector floods the mean instead: sign(L − b)·∇L, here with L > b.
      const mean = losses.reduce((s, l) => s + l, 0) / m;
      expect(mean).toBeGreaterThan(level);
      expect(
        relativeError(
          gradient('batch'),
          expected(() => 1),
        ),
      ).toBeLessThan(1e-6);
      // …and the two differ by a lot, so the test tells them apart.
      expect(
        relativeError(
          perExampleSign,
          expected(() => 1),
        ),
      ).toBeGreaterThan(0.1);
    } finally {
      tf.dispose([w, c, x, y]);
    }
  });

  it("granularity 'example' with a scalar loss: a clear error at the first step, nothing applied, no leak", () => {
    const p = own(mlpProblem({ seed: 3 }));
    const opt = withPlugins(tf.train.adam(0.01), flooding({ level: 0.1, granularity: 'example' }));
    const before = p.read();
    const tensors = tf.memory().numTensors;
    expect(message(() => opt.minimize(p.loss, false, p.variables))).toBe(
      "flooding: option granularity 'example' needs per-example losses, but the loss function returned a scalar. " +
        'Return the unreduced vector instead (for example a tf.losses.* loss with tf.Reduction.NONE), ' +
        "or use granularity 'batch' (model.fit always reduces the loss to a scalar). Nothing was applied.",
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(bits(p.read())).toEqual(bits(before));
    expect(opt.iterations).toBe(0);
    // A per-example loss then trains normally.
    opt.minimize(p.perExampleLoss, false, p.variables);
    expect(opt.iterations).toBe(1);
  });
});

describe('flooding: what a step reports', () => {
  const owned: Problem[] = [];
  afterEach(() => owned.splice(0).forEach((x) => x.dispose()));
  beforeAll(() => tf.setBackend('cpu'));

  it('reports the raw loss, costs 1 gradient evaluation, and records level, flooded loss and ascent', () => {
    const p = mlpProblem({ seed: 3 });
    owned.push(p);
    const raw = tf.tidy(() => p.loss().dataSync()[0]);
    const report = withPlugins(tf.train.sgd(0.1), flooding({ level: 1.5 })).step(p.loss, p.variables);
    expect(report.loss).toBe(raw);
    expect(report.gradientEvaluations).toBe(1);
    expect(report.diagnostics['flooding/level']).toBe(1.5);
    expect(report.diagnostics['flooding/belowLevel']).toBe(1);
    expect(report.diagnostics['flooding/floodedLoss']).toBeCloseTo(3 - raw, 6); // 2b − L below b
  });

  it('per example: the flooded loss is mean_i |ℓ_i − b| + b and belowLevel the fraction of ℓ_i < b', () => {
    const p = mlpProblem({ seed: 3 });
    owned.push(p);
    const losses = Array.from(tf.tidy(() => p.perExampleLoss().dataSync()));
    const level = 1;
    const report = withPlugins(tf.train.sgd(0.1), flooding({ level, granularity: 'example' })).step(
      p.perExampleLoss,
      p.variables,
    );
    const below = losses.filter((l) => l < level).length / losses.length;
    expect(below).toBeGreaterThan(0.2);
    expect(below).toBeLessThan(0.8);
    expect(report.diagnostics['flooding/belowLevel']).toBeCloseTo(below, 6);
    const flooded = losses.reduce((s, l) => s + Math.abs(l - level) + level, 0) / losses.length;
    expect(report.diagnostics['flooding/floodedLoss']).toBeCloseTo(flooded, 5);
    expect(report.loss).toBeCloseTo(losses.reduce((s, l) => s + l, 0) / losses.length, 6);
  });

  it('follows a level schedule step by step (ctx.iteration)', () => {
    const p = mlpProblem({ seed: 3 });
    owned.push(p);
    const opt = withPlugins(
      tf.train.sgd(0.1),
      flooding({ level: step({ values: [5, 0], boundaries: [2] }) }),
    );
    const reports = Array.from({ length: 4 }, () => opt.step(p.loss, p.variables));
    expect(reports.map((r) => r.diagnostics['flooding/level'])).toEqual([5, 5, 0, 0]);
    expect(reports.map((r) => r.diagnostics['flooding/belowLevel'])).toEqual([1, 1, 0, 0]);
    // Two ascents raise the loss, then two descents lower it.
    const losses = reports.map((r) => r.loss);
    expect(losses[1]).toBeGreaterThan(losses[0]);
    expect(losses[3]).toBeLessThan(losses[2]);
  });

  it('throws a FlatoptError, not a tfjs error, for the scalar loss with example granularity', () => {
    const p = mlpProblem({ seed: 3 });
    owned.push(p);
    const opt = withPlugins(tf.train.sgd(0.1), flooding({ level: 0.1, granularity: 'example', name: 'fl' }));
    expect(() => opt.step(p.loss, p.variables)).toThrow(FlatoptError);
    expect(() => opt.step(p.loss, p.variables)).toThrow(/^fl: option granularity 'example'/);
  });
});

describe('flooding: the training loss floats at b', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('model.fit (batch granularity): the loss settles around b while plain SGD goes to 0; history holds raw losses', async () => {
    const x = tf.tensor2d(normals(64 * 4, 3), [64, 4]);
    const y = tf.tidy(() => tf.matMul(x, tf.tensor2d([[1], [-2], [0.5], [1.5]])));
    const train = async (optimizer: tf.Optimizer) => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [4], units: 1, kernelInitializer: 'zeros' })],
      });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const history = await model.fit(x, y, { epochs: 150, batchSize: 64, shuffle: false, verbose: 0 });
      model.optimizer.dispose();
      model.dispose();
      return (history.history.loss as number[]).slice(-50);
    };
    try {
      const level = 0.05;
      const bare = await train(tf.train.sgd(0.1));
      const flooded = await train(withPlugins(tf.train.sgd(0.1), flooding({ level })));
      expect(Math.max(...bare)).toBeLessThan(1e-8);
      const mean = flooded.reduce((s, l) => s + l, 0) / flooded.length;
      expect(Math.abs(mean - level)).toBeLessThan(0.005); // measured 0.0495
      // Reported losses are the raw ones, on both sides of b (a flooded loss would be ≥ b).
      expect(Math.min(...flooded)).toBeLessThan(level * 0.9);
      expect(Math.max(...flooded)).toBeGreaterThan(level * 1.1);
    } finally {
      tf.dispose([x, y]);
    }
  });

  it('custom loop on the diagonal linear network: the loss stays at b while ‖∇L‖² drifts down (implicit GR, SCIENCE §5.10)', () => {
    // SCIENCE §5.10: α = 0.5, lr 0.02, b = 0.05.
    const n = diagonalLinearNetwork({ u: Array(100).fill(0.5), v: Array(100).fill(0.5) });
    const opt = withPlugins(tf.train.sgd(0.02), flooding({ level: 0.05 }));
    const gradNormSq = () => n.gradient().reduce((s, g) => s + g.reduce((t, x) => t + x * x, 0), 0);
    try {
      let hit = -1;
      let atHit = 0;
      const losses: number[] = [];
      let ascents = 0;
      for (let i = 0; i < 1000; i++) {
        const report = opt.step(n.loss, [n.u, n.v]);
        if (hit < 0 && report.loss < 0.05) {
          hit = i;
          atHit = gradNormSq();
        }
        if (hit >= 0 && i >= hit + 100) {
          losses.push(report.loss);
          ascents += report.diagnostics['flooding/belowLevel'];
        }
      }
      // Measured: hits b at step 19 with ‖∇L‖² = 0.335; after 1000 steps mean loss 0.0500, ‖∇L‖² 0.19.
      expect(hit).toBeGreaterThan(5);
      expect(hit).toBeLessThan(60);
      const mean = losses.reduce((s, l) => s + l, 0) / losses.length;
      expect(Math.abs(mean - 0.05)).toBeLessThan(5e-4);
      expect(ascents / losses.length).toBeGreaterThan(0.4);
      expect(ascents / losses.length).toBeLessThan(0.6);
      expect(gradNormSq()).toBeLessThan(0.7 * atHit);
    } finally {
      opt.dispose();
      n.dispose();
    }
  });
});
