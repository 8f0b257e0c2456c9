import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type NamedTensor, type PluggedOptimizer } from '@flatopt/core';
import {
  flatoptErrorMessage,
  mlpProblem,
  normals,
  readAll,
  relativeError,
  useBackend,
  type Problem,
} from '@flatopt/core/testing';
import { weightNorm } from '@flatopt/weight-norm';
import { accumulate } from './accumulate';

/** Each tensor's bits, so that toEqual compares bit for bit. */
const bits = (xs: readonly Float32Array[]) =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

const cleanup: Array<{ dispose(): void }> = [];
afterEach(() => cleanup.splice(0).forEach((x) => x.dispose()));
const keep = <T extends { dispose(): void }>(x: T): T => (cleanup.push(x), x);
const problem = (seed: number): Problem => keep(mlpProblem({ seed }));

/** Micro-batch `s` of `m` of a problem's 16 examples: the mean loss over examples [16s/m, 16(s+1)/m). */
const slice = (p: Problem, s: number, m: number) => () =>
  tf.tidy(() => tf.mean(tf.slice(p.perExampleLoss(), [(16 / m) * s], [16 / m])) as tf.Scalar);

const optimizers = { sgd: () => tf.train.sgd(0.1), adam: () => tf.train.adam(0.01) };

describe.each(['cpu', 'wasm'] as const)('accumulate on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(['sgd', 'adam'] as const)(
    '%s: k micro-steps on k slices of a batch equal one step on the whole batch, 3 updates in a row',
    (name) => {
      const k = 4;
      const [a, b] = [problem(5), problem(5)];
      const bare = keep(optimizers[name]());
      const opt = keep(withPlugins(optimizers[name](), accumulate({ steps: k })));
      for (let update = 1; update <= 3; update++) {
        const before = b.read();
        for (let s = 0; s < k; s++) {
          if (s > 0) expect(bits(b.read())).toEqual(bits(before)); // nothing moves inside a window
          opt.minimize(slice(b, s, k), false, b.variables);
        }
        bare.minimize(a.loss, false, a.variables);
        expect(opt.iterations).toBe(update);
        // The mean of 4 slice gradients vs the gradient of the whole batch: float32 rounding only.
        expect(relativeError(b.read(), a.read())).toBeLessThan(1e-6);
      }
    },
  );

  it('resumes mid-window bit for bit: getWeights after 2 of 4 micro-steps, setWeights into a fresh optimizer', async () => {
    const [a, b] = [problem(8), problem(8)];
    // A variable the loss ignores: it has no gradient, and Adam must still skip it after the resume.
    const idle = [a, b].map(() => keep(tf.variable(tf.ones([2, 2]), true)));
    const first = keep(withPlugins(tf.train.adam(0.01), accumulate({ steps: 4 })));
    const calls = (opt: tf.Optimizer, p: Problem, i: tf.Variable, from: number, to: number) => {
      for (let c = from; c < to; c++) opt.minimize(slice(p, c % 4, 4), false, [...p.variables, i]);
    };
    calls(first, a, idle[0], 0, 6); // one update, then 2 of the next 4
    const weights = a.read();
    const saved = await first.getWeights();
    const state: NamedTensor[] = saved.map((w) => ({
      name: w.name,
      tensor: tf.tensor(readAll([w.tensor])[0], w.tensor.shape),
    }));
    saved[0].tensor.dispose();
    expect(state.map((w) => w.name).filter((n) => n.includes('accumulate'))).toEqual([
      'flatopt/accumulate/sum0',
      'flatopt/accumulate/sum1',
      'flatopt/accumulate/sum2',
      'flatopt/accumulate/sum3',
      'flatopt/accumulate/sum4',
      'flatopt/accumulate/count',
    ]);
    calls(first, a, idle[0], 6, 14);

    b.assign(weights);
    const second = keep(withPlugins(tf.train.adam(0.01), accumulate({ steps: 4 })));
    await second.setWeights(state);
    tf.dispose(state.map((w) => w.tensor));
    expect(second.iterations).toBe(1);
    calls(second, b, idle[1], 6, 14);
    expect(second.iterations).toBe(3);
    expect(bits(b.read())).toEqual(bits(a.read()));
    expect(Array.from(idle[1].dataSync())).toEqual([1, 1, 1, 1]);
  });

  it('no leaks after the first applied update (Adam creates its moments there), over 200 calls', () => {
    const p = problem(41);
    const opt = keep(withPlugins(tf.train.adam(0.01), accumulate({ steps: 3 })));
    for (let c = 0; c < 3; c++) opt.minimize(p.loss, false, p.variables);
    const [tensors, variables] = [
      tf.memory().numTensors,
      Object.keys(tf.engine().registeredVariables).length,
    ];
    for (let c = 0; c < 200; c++) opt.minimize(p.loss, false, p.variables);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('steps: 1 is the wrapped optimizer bit for bit and keeps no state', async () => {
    const [a, b] = [problem(6), problem(6)];
    const bare = keep(tf.train.adam(0.01));
    const opt = keep(withPlugins(tf.train.adam(0.01), accumulate({ steps: 1 })));
    for (let i = 0; i < 5; i++) {
      bare.minimize(a.loss, false, a.variables);
      opt.minimize(b.loss, false, b.variables);
    }
    expect(bits(b.read())).toEqual(bits(a.read()));
    const state = await opt.getWeights();
    expect(state.some((w) => w.name.includes('accumulate'))).toBe(false);
    state[0].tensor.dispose();
  });
});

describe('accumulate on cpu: model.fit, finite checks, options', () => {
  beforeAll(() => useBackend('cpu'));

  it.each(['sgd', 'adam'] as const)(
    '%s: model.fit with batchSize B/k and accumulate({ steps: k }) gives the weights of fit with batch B',
    async (name) => {
      const [n, B, k] = [32, 8, 4];
      const x = keep(tf.tensor2d(normals(n * 5, 3), [n, 5]));
      const y = keep(tf.tensor2d(normals(n * 2, 4), [n, 2]));
      const build = (optimizer: tf.Optimizer, weights?: tf.Tensor[]) => {
        const m = tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [5], units: 4, activation: 'tanh' }),
            tf.layers.dense({ units: 2 }),
          ],
        });
        if (weights) m.setWeights(weights);
        m.compile({ optimizer, loss: 'meanSquaredError' });
        return m;
      };
      const big = build(optimizers[name]());
      const small = build(withPlugins(optimizers[name](), accumulate({ steps: k })), big.getWeights());
      await big.fit(x, y, { epochs: 2, batchSize: B, shuffle: false, verbose: 0 });
      await small.fit(x, y, { epochs: 2, batchSize: B / k, shuffle: false, verbose: 0 });
      expect(small.optimizer.iterations).toBe(big.optimizer.iterations);
      expect(big.optimizer.iterations).toBe(8);
      expect(relativeError(readAll(small.getWeights()), readAll(big.getWeights()))).toBeLessThan(1e-6);
      [big, small].forEach((m) => {
        m.optimizer.dispose();
        m.dispose();
      });
    },
  );

  it('with weightNorm: the mean gradient of the derived kernels reaches g and v once per update', () => {
    const [a, b] = [problem(15), problem(15)];
    const whole = keep(withPlugins(tf.train.adam(0.01), weightNorm()));
    const micro = keep(withPlugins(tf.train.adam(0.01), accumulate({ steps: 4 }), weightNorm()));
    for (let update = 1; update <= 3; update++) {
      whole.minimize(a.loss, false, a.variables);
      for (let s = 0; s < 4; s++) micro.minimize(slice(b, s, 4), false, b.variables);
      expect(micro.iterations).toBe(update);
      expect(relativeError(b.read(), a.read())).toBeLessThan(1e-6);
    }
  });

  describe("device finite check ('device', nonFinite 'skip')", () => {
    /** A loss whose gradient is NaN for the first variable (+ Σ√(0·w₁): value unchanged). */
    const nanGradient = (p: Problem) => () =>
      tf.tidy(() => tf.add(p.loss(), tf.sum(tf.sqrt(tf.mul(p.variables[0], 0)))) as tf.Scalar);

    /** SGD's update with the mean of the slice gradients `slices`, by hand in float32 ops. */
    function sgdWithMean(p: Problem, slices: Array<() => tf.Scalar>): void {
      tf.tidy(() => {
        const grads = slices.map((f) => tf.variableGrads(f, p.variables).grads);
        p.variables.forEach((v) => {
          const mean = tf.div(tf.addN(grads.map((g) => g[v.name])), slices.length);
          v.assign(tf.sub(v, tf.mul(mean, 0.1)));
        });
      });
    }

    it('a non-finite applying call is undone and the next window starts from its sums: the mean of every finite micro-step', async () => {
      const [a, b] = [problem(12), problem(12)];
      const opt = keep(
        withPlugins(tf.train.sgd(0.1), accumulate({ steps: 2 }), {
          finiteCheck: 'device',
          nonFinite: 'skip',
        }),
      );
      const before = b.read();
      opt.minimize(slice(b, 0, 4), false, b.variables);
      opt.minimize(nanGradient(b), false, b.variables); // would apply: undone on the device
      await opt.settled();
      expect(bits(b.read())).toEqual(bits(before));
      expect(opt.iterations).toBe(0);
      opt.minimize(slice(b, 1, 4), false, b.variables);
      opt.minimize(slice(b, 2, 4), false, b.variables); // applies (g₀ + g₁ + g₂)/3
      await opt.settled();
      expect(opt.iterations).toBe(1);
      sgdWithMean(
        a,
        [0, 1, 2].map((s) => slice(a, s, 4)),
      );
      expect(relativeError(b.read(), a.read())).toBeLessThan(1e-6);
    });

    it('a non-finite micro-step inside a window is left out of the mean (the window still closes on schedule)', async () => {
      const [a, b] = [problem(13), problem(13)];
      const opt = keep(
        withPlugins(tf.train.sgd(0.1), accumulate({ steps: 3 }), {
          finiteCheck: 'device',
          nonFinite: 'skip',
        }),
      );
      opt.minimize(slice(b, 0, 4), false, b.variables);
      opt.minimize(nanGradient(b), false, b.variables); // undone: sums and count as before
      await opt.settled();
      opt.minimize(slice(b, 1, 4), false, b.variables); // third call: applies (g₀ + g₁)/2
      await opt.settled();
      sgdWithMean(
        a,
        [0, 1].map((s) => slice(a, s, 4)),
      );
      expect(relativeError(b.read(), a.read())).toBeLessThan(1e-6);
    });

    // Core takes an iteration back only for an undone step that reached the wrapped optimizer.
    it('the iteration count survives a non-finite call that did not apply', async () => {
      const b = problem(14);
      const opt = keep(
        withPlugins(tf.train.sgd(0.1), accumulate({ steps: 2 }), {
          finiteCheck: 'device',
          nonFinite: 'skip',
        }),
      );
      for (let c = 0; c < 2; c++) opt.minimize(b.loss, false, b.variables);
      opt.minimize(nanGradient(b), false, b.variables); // first of a window: does not apply
      await opt.settled();
      expect(opt.iterations).toBe(1);
    });
  });

  it('a throwing update leaves the sums, the count and the window as they were', async () => {
    const [a, b] = [problem(20), problem(20)];
    let fail = false;
    const failing = {
      name: 'failing',
      apply: (_: unknown, g: Array<tf.Tensor | null>, next: (g: Array<tf.Tensor | null>) => void) => {
        if (fail) throw new Error('inner failure');
        next(g);
      },
      getConfig: () => ({}),
    };
    const ref = keep(withPlugins(tf.train.sgd(0.1), accumulate({ steps: 2 })));
    const opt = keep(withPlugins(tf.train.sgd(0.1), accumulate({ steps: 2 }), failing));
    const state = async (o: PluggedOptimizer) => {
      const ws = await o.getWeights();
      const out = readAll(ws.map((w) => w.tensor));
      ws[0].tensor.dispose();
      return out;
    };
    opt.minimize(slice(b, 0, 2), false, b.variables);
    const before = await state(opt);
    fail = true;
    expect(() => opt.minimize(slice(b, 1, 2), false, b.variables)).toThrow('inner failure');
    expect(bits(await state(opt))).toEqual(bits(before));
    fail = false;
    opt.minimize(slice(b, 1, 2), false, b.variables);
    for (let s = 0; s < 2; s++) ref.minimize(slice(a, s, 2), false, a.variables);
    expect(bits(b.read())).toEqual(bits(a.read()));
  });

  it('bad options: exact messages', () => {
    const make = (options: unknown) => () => accumulate(options as never);
    expect(flatoptErrorMessage(make({}))).toBe(
      "accumulate: option 'steps' is required: the number of micro-batches per update, an integer ≥ 1, e.g. accumulate({ steps: 4 }) to train with batches 4× the size that fits.",
    );
    expect(flatoptErrorMessage(make({ steps: 0 }))).toBe(
      "accumulate: option 'steps' must be an integer ≥ 1; got 0.",
    );
    expect(flatoptErrorMessage(make({ steps: 2.5 }))).toBe(
      "accumulate: option 'steps' must be an integer ≥ 1; got 2.5.",
    );
    expect(flatoptErrorMessage(make({ steps: NaN }))).toBe(
      "accumulate: option 'steps' must be an integer ≥ 1; got NaN.",
    );
    expect(flatoptErrorMessage(make({ steps: '4' }))).toBe(
      'accumulate: option \'steps\' must be an integer ≥ 1; got "4".',
    );
    expect(flatoptErrorMessage(make({ steps: 2, every: 2 }))).toBe(
      "accumulate: unknown option 'every'; allowed options are 'steps', 'name'.",
    );
  });
});
