import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { PluggedOptimizer, withPlugins } from '@flatopt/core';
import { flatoptErrorMessage, mlpProblem, normals } from '@flatopt/core/testing';
import { compose, polarOf } from './polar';
import { weightNorm } from './weight-norm';

/** A small regression: y = tanh(x·W1)·W2, with W1 [6, 4] and W2 [4, 2] and biases. */
function regression(seed: number) {
  const x = tf.tensor2d(normals(32 * 6, seed), [32, 6]);
  const y = tf.tensor2d(normals(32 * 2, seed + 1), [32, 2]);
  const w1 = tf.variable(tf.tensor2d(normals(24, seed + 2, 0.5), [6, 4]));
  const b1 = tf.variable(tf.zeros([4]));
  const w2 = tf.variable(tf.tensor2d(normals(8, seed + 3, 0.5), [4, 2]));
  const forward = (k1: tf.Tensor, k2: tf.Tensor) =>
    tf.matMul(tf.tanh(tf.add(tf.matMul(x, k1 as tf.Tensor2D), b1)), k2 as tf.Tensor2D);
  const loss = (k1: tf.Tensor = w1, k2: tf.Tensor = w2) =>
    tf.mean(tf.square(tf.sub(forward(k1, k2), y))) as tf.Scalar;
  return {
    variables: [w1, b1, w2],
    loss,
    read: () => [w1, b1, w2].map((v) => Array.from(v.dataSync())),
    dispose: () => tf.dispose([x, y, w1, b1, w2]),
  };
}

/**
 * Reference: the same network written in polar coordinates by hand — g, v as plain tf variables,
 * the kernel computed as g·v/‖v‖ inside the loss, trained by SGD on (g, v, b1) with the angular
 * learning rate `ratio·η`.
 */
function polarReference(seed: number, lr: number, ratio: number, steps: number) {
  const p = regression(seed);
  const [w1, b1, w2] = p.variables;
  const polar = [w1, w2].map((w) => ({
    g: tf.variable(tf.sqrt(tf.sum(tf.square(w), 0, true))),
    v: tf.variable(tf.clone(w)),
  }));
  const kernel = (k: number) => compose(polar[k].g, polar[k].v, [0], 1e-6);
  const radial = tf.train.sgd(lr);
  const angular = tf.train.sgd(lr * ratio);
  for (let i = 0; i < steps; i++) {
    const { grads } = tf.variableGrads(
      () => p.loss(kernel(0), kernel(1)),
      [b1, ...polar.flatMap((q) => [q.g, q.v])],
    );
    radial.applyGradients({
      [b1.name]: grads[b1.name],
      ...Object.fromEntries(polar.map((q) => [q.g.name, grads[q.g.name]])),
    });
    angular.applyGradients(Object.fromEntries(polar.map((q) => [q.v.name, grads[q.v.name]])));
    tf.dispose(Object.values(grads));
  }
  const out = tf.tidy(() => [kernel(0), b1, kernel(1)].map((t) => Array.from(t.dataSync())));
  tf.dispose([...polar.flatMap((q) => [q.g, q.v])]);
  radial.dispose();
  angular.dispose();
  p.dispose();
  return out;
}

const maxAbsDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((x, i) => x.map((xi, j) => Math.abs(xi - b[i][j]))));

describe.each(['cpu', 'wasm'])('weightNorm plugin (%s)', (backend) => {
  it.each([1, 4])(
    'ratio %d: SGD through the plugin equals SGD on hand-written polar coordinates (30 steps, |Δ| < 2e-5)',
    async (ratio) => {
      await tf.setBackend(backend);
      const lr = 0.05;
      const p = regression(7);
      const opt = withPlugins(tf.train.sgd(lr), weightNorm({ ratio }));
      for (let i = 0; i < 30; i++) opt.minimize(() => p.loss(), false, p.variables);
      const got = p.read();
      opt.dispose();
      p.dispose();
      const want = polarReference(7, lr, ratio, 30);
      expect(maxAbsDiff(got, want)).toBeLessThan(2e-5);
      // and the training moved the weights well beyond that tolerance
      const start = regression(7);
      expect(maxAbsDiff(got, start.read())).toBeGreaterThan(1e-2);
      start.dispose();
    },
  );

  it('plain GD on v grows ‖v‖² by exactly η²‖∂L/∂v‖² per step (SCIENCE §5.13b; rel < 1e-3)', async () => {
    await tf.setBackend(backend);
    const lr = 0.2;
    const p = regression(3);
    const opt = withPlugins(tf.train.sgd(lr), weightNorm({ include: [p.variables[0].name] }));
    const readV = async () =>
      Array.from((await opt.getWeights()).find((w) => w.name === 'flatopt/weightNorm/v0')!.tensor.dataSync());
    opt.minimize(() => p.loss(), false, p.variables);
    for (let i = 0; i < 5; i++) {
      const v0 = await readV();
      opt.minimize(() => p.loss(), false, p.variables);
      const v1 = await readV();
      const grow = v1.reduce((s, x) => s + x * x, 0) - v0.reduce((s, x) => s + x * x, 0);
      const step = v1.reduce((s, x, j) => s + (x - v0[j]) ** 2, 0); // = η²‖∂L/∂v‖²
      expect(step).toBeGreaterThan(1e-6);
      expect(Math.abs(grow / step - 1)).toBeLessThan(1e-3);
    }
    opt.dispose();
    p.dispose();
  });

  it('Adam state belongs to g and v: w gets no moments, and ratio scales the angular update', async () => {
    await tf.setBackend(backend);
    const p = regression(5);
    const opt = withPlugins(tf.train.adam(0.01), weightNorm());
    opt.minimize(() => p.loss(), false, p.variables);
    const inner = (await opt.inner.getWeights()).map((w) => w.tensor.shape);
    // iter, then m for [b1, g1, v1, g2, v2], then v for the same.
    expect(inner.slice(1, 6)).toEqual([[4], [1, 4], [6, 4], [1, 2], [4, 2]]);
    opt.dispose();
    p.dispose();

    // Adam ignores a gradient's scale, so ratio must scale the update itself: from the same
    // weights, one Adam step with ratio 3 moves v exactly 3× as far as with ratio 1, and g the same.
    const polarStep = async (ratio: number) => {
      const q = regression(5);
      const o = withPlugins(tf.train.adam(0.01), weightNorm({ ratio, include: [q.variables[0].name] }));
      const before = polarOf(q.variables[0], [0]);
      const [g0, v0] = [before.g, before.v].map((t) => Array.from(t.dataSync()));
      tf.dispose([before.g, before.v]);
      o.minimize(() => q.loss(), false, q.variables);
      const state = await o.getWeights();
      const read = (n: string) =>
        Array.from(state.find((w) => w.name === `flatopt/weightNorm/${n}`)!.tensor.dataSync());
      const moved = { g: read('g0').map((x, i) => x - g0[i]), v: read('v0').map((x, i) => x - v0[i]) };
      o.dispose();
      q.dispose();
      return moved;
    };
    const [one, three] = [await polarStep(1), await polarStep(3)];
    expect(Math.max(...one.v.map(Math.abs))).toBeGreaterThan(1e-3);
    three.v.forEach((d, i) => expect(Math.abs(d - 3 * one.v[i])).toBeLessThan(1e-6));
    three.g.forEach((d, i) => expect(Math.abs(d - one.g[i])).toBeLessThan(1e-7));
  });

  it('a zero column of w (v = 0) trains without NaN and stays zero', async () => {
    await tf.setBackend(backend);
    const p = regression(9);
    const w1 = p.variables[0];
    w1.assign(tf.mul(w1, tf.tensor2d([[0, 1, 1, 1]])));
    const opt = withPlugins(tf.train.sgd(0.1), weightNorm());
    for (let i = 0; i < 5; i++) opt.minimize(() => p.loss(), false, p.variables);
    const w = p.read()[0];
    expect(w.every(Number.isFinite)).toBe(true);
    expect([0, 1, 2, 3, 4, 5].every((r) => w[r * 4] === 0)).toBe(true);
    expect(w.filter((x) => x !== 0)).toHaveLength(18);
    opt.dispose();
    p.dispose();
  });
});

describe('weightNorm: state round trip', () => {
  it('getWeights → setWeights on a fresh optimizer (before its first step) resumes bit for bit', async () => {
    await tf.setBackend('cpu');
    const a = regression(4);
    const b = regression(4);
    const first = withPlugins(tf.train.adam(0.02), weightNorm({ ratio: 2 }));
    for (let i = 0; i < 5; i++) first.minimize(() => a.loss(), false, a.variables);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    a.variables.forEach((v, i) => b.variables[i].assign(v));
    const second = PluggedOptimizer.fromConfig(
      PluggedOptimizer,
      JSON.parse(JSON.stringify(first.getConfig())),
    ) as PluggedOptimizer;
    await second.setWeights(saved);
    tf.dispose(saved.map((w) => w.tensor));
    for (let i = 0; i < 5; i++) {
      first.minimize(() => a.loss(), false, a.variables);
      second.minimize(() => b.loss(), false, b.variables);
    }
    expect(b.read()).toEqual(a.read());
    // g and v of each reparameterized variable, numbered by its position among the trained ones.
    expect(saved.map((w) => w.name).filter((n) => n.startsWith('flatopt/weightNorm'))).toEqual([
      'flatopt/weightNorm/g0',
      'flatopt/weightNorm/g2',
      'flatopt/weightNorm/v0',
      'flatopt/weightNorm/v2',
    ]);
    first.dispose();
    second.dispose();
    a.dispose();
    b.dispose();
  });

  it('setWeights after training replaces the ‖v‖ kept from the last step: the next steps equal a fresh optimizer’s', async () => {
    await tf.setBackend('cpu');
    const a = regression(4);
    const b = regression(4);
    const trained = withPlugins(tf.train.adam(0.02), weightNorm());
    for (let i = 0; i < 3; i++) trained.minimize(() => a.loss(), false, a.variables);
    // The same state with every v changed, so a stale ‖v‖ would give different gradients.
    const changed = (await trained.getWeights()).map((w) => ({
      name: w.name,
      tensor: /^flatopt\/weightNorm\/v\d+$/.test(w.name)
        ? tf.add(tf.mul(w.tensor, 2), 0.1)
        : tf.clone(w.tensor),
    }));
    const fresh = PluggedOptimizer.fromConfig(
      PluggedOptimizer,
      JSON.parse(JSON.stringify(trained.getConfig())),
    ) as PluggedOptimizer;
    await trained.setWeights(changed);
    await fresh.setWeights(changed);
    tf.dispose(changed.map((w) => w.tensor));
    a.variables.forEach((v, i) => b.variables[i].assign(v));
    for (let i = 0; i < 3; i++) {
      trained.minimize(() => a.loss(), false, a.variables);
      fresh.minimize(() => b.loss(), false, b.variables);
    }
    expect(a.read()).toEqual(b.read());
    trained.dispose();
    fresh.dispose();
    a.dispose();
    b.dispose();
  });

  it('include patterns with "_" survive tfjs-layers’ camel-casing of config strings', () => {
    const plugin = weightNorm({ include: /dense_Dense\d+\/kernel/, axes: [0] });
    const config = plugin.getConfig();
    expect(JSON.stringify(config)).not.toContain('_');
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    const rebuilt = PluggedOptimizer.fromConfig(
      PluggedOptimizer,
      JSON.parse(JSON.stringify(opt.getConfig())),
    ) as PluggedOptimizer;
    expect(rebuilt.getConfig()).toEqual(opt.getConfig());
    expect((rebuilt.plugins[0].getConfig().include as { pattern: string }).pattern).toBe(
      'dense%5FDense\\d+\\/kernel',
    );
    opt.dispose();
    rebuilt.dispose();
  });

  it('a predicate include is saved as the positions it picked, once it has picked them', async () => {
    await tf.setBackend('cpu');
    const p = regression(6);
    const plugin = weightNorm({ include: (v) => v === p.variables[2] });
    expect(flatoptErrorMessage(() => plugin.getConfig())).toMatch(
      /a predicate 'include' can be saved only after the first step/,
    );
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    opt.minimize(() => p.loss(), false, p.variables);
    expect(plugin.getConfig().include).toEqual({ positions: [2] });
    // …the form `include` also accepts.
    expect(weightNorm({ include: { positions: [2] } }).getConfig().include).toEqual({ positions: [2] });
    opt.dispose();
    p.dispose();
  });
});

describe('weightNorm: bad input gets a clear error, weights and state untouched', () => {
  it('refuses bad options at construction, naming the option, the value and the range', () => {
    expect(flatoptErrorMessage(() => weightNorm({ ratio: 0 }))).toBe(
      "weightNorm: option 'ratio' must be a finite number > 0; got 0.",
    );
    expect(flatoptErrorMessage(() => weightNorm({ epsilon: -1 }))).toBe(
      "weightNorm: option 'epsilon' must be a finite number > 0; got -1.",
    );
    expect(flatoptErrorMessage(() => weightNorm({ axes: 'rows' as never }))).toMatch(
      /option 'axes' must be 'output', 'all' or a non-empty array of integer axes; got "rows"/,
    );
    expect(flatoptErrorMessage(() => weightNorm({ include: 42 as never }))).toMatch(
      /option 'include' must be a RegExp over variable names, an array of variable names, or a predicate/,
    );
    expect(flatoptErrorMessage(() => weightNorm({ radio: 2 } as never))).toMatch(/radio/);
  });

  const cases: Array<
    [
      string,
      (p: ReturnType<typeof regression>, extra: tf.Variable) => Parameters<typeof weightNorm>[0],
      RegExp,
    ]
  > = [
    [
      'a variable that does not exist',
      () => ({ include: ['nope'] }),
      /option 'include' names 'nope', which is not among the 3 trained variables/,
    ],
    [
      'a non-trainable variable',
      (_, extra) => ({ include: [extra.name] }),
      /not among the 3 trained variables .*does not exist, is not trainable/,
    ],
    ['a scalar variable', () => ({ include: /.*/, axes: 'all' }), /variable '.*' is a scalar/],
    [
      'a bias with the per-output default axes',
      (p) => ({ include: [p.variables[1].name] }),
      /has rank 1, so option 'axes' 'output'/,
    ],
    [
      'an axis out of range',
      () => ({ axes: [2] }),
      /option 'axes' has axis 2, out of range for variable '.*' of shape \[6, 4\]/,
    ],
    [
      'a pattern that matches nothing',
      () => ({ include: /conv/ }),
      /option 'include' \/conv\/ matches none of the 3 trained variables/,
    ],
  ];

  it.each(cases)('%s: the first step throws before any weight changes', async (_, options, message) => {
    await tf.setBackend('cpu');
    const p = regression(8);
    const extra = tf.variable(tf.scalar(1), false);
    const scalarCase = String(message).includes('scalar');
    const variables = scalarCase ? [...p.variables, tf.variable(tf.scalar(0.5))] : p.variables;
    const before = p.read();
    const opt = withPlugins(tf.train.adam(0.1), weightNorm(options(p, extra)));
    const loss = () => (scalarCase ? tf.add(p.loss(), tf.square(variables[3])) : p.loss()) as tf.Scalar;
    expect(() => opt.minimize(loss, false, variables)).toThrow(message);
    expect(p.read()).toEqual(before);
    expect(opt.iterations).toBe(0);
    expect(await opt.inner.getWeights()).toHaveLength(1); // only 'iter': no moments were created
    opt.dispose();
    p.dispose();
    tf.dispose([extra, ...variables.slice(3)]);
  });

  it('saved state that does not fit the variables is refused by name', async () => {
    await tf.setBackend('cpu');
    const p = regression(2);
    const opt = withPlugins(tf.train.sgd(0.1), weightNorm());
    opt.minimize(() => p.loss(), false, p.variables);
    const inner = await opt.inner.getWeights();
    await expect(
      opt.setWeights([
        ...inner,
        { name: 'flatopt/weightNorm/g0', tensor: tf.zeros([5]) },
        { name: 'flatopt/weightNorm/v0', tensor: tf.zeros([6, 4]) },
        { name: 'flatopt/weightNorm/g2', tensor: tf.zeros([1, 2]) },
        { name: 'flatopt/weightNorm/v2', tensor: tf.zeros([4, 2]) },
      ]),
    ).rejects.toThrow(
      /weightNorm: setWeights got 'g0' of shape \[5\] \(float32\); its state has shape \[1,4\] \(float32\)\. Nothing was restored\./,
    );
    opt.dispose();
    p.dispose();
  });
});

describe('weightNorm on the kit’s MLP: the default picks kernels, not biases', () => {
  it('reparameterizes the two rank-2 variables', async () => {
    await tf.setBackend('cpu');
    const p = mlpProblem({ seed: 1 });
    const opt = withPlugins(tf.train.sgd(0.1), weightNorm());
    opt.minimize(p.loss, false, p.variables);
    const state = (await opt.getWeights()).filter((w) => w.name.startsWith('flatopt/'));
    const kernels = p.variables.filter((v) => v.rank === 2);
    expect(state.map((w) => w.tensor.shape)).toEqual([
      ...kernels.map((k) => [1, k.shape[1]]),
      ...kernels.map((k) => k.shape),
    ]);
    opt.dispose();
    p.dispose();
  });
});
