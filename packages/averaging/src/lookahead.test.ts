import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlatoptError, withPlugins, type Plugin } from '@flatopt/core';
import { mlpProblem, readAll, useBackend, type Problem } from '@flatopt/core/testing';
import { lookahead } from './lookahead';
import { bits, slowOf } from './test-support';

const problems: Problem[] = [];
const problem = (seed: number) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

const optimizers: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.1),
  momentum: () => tf.train.momentum(0.05, 0.9),
  adam: () => tf.train.adam(0.01),
};

async function innerState(opt: tf.Optimizer): Promise<Float32Array[]> {
  const weights = await opt.getWeights();
  const out = readAll(weights.map((w) => w.tensor));
  weights[0].tensor.dispose(); // the fresh 'iter' scalar
  return out;
}

describe.each(['cpu', 'wasm'] as const)('lookahead on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(Object.keys(optimizers))('α = 1 is the wrapped optimizer bit for bit (%s)', async (name) => {
    const [a, b] = [problem(13), problem(13)];
    const bare = optimizers[name]();
    const plugin = lookahead({ k: 4, alpha: 1 });
    const opt = withPlugins(optimizers[name](), plugin);
    for (let i = 0; i < 24; i++) {
      bare.minimize(a.loss, false, a.variables);
      opt.minimize(b.loss, false, b.variables);
      expect(bits(b.read())).toEqual(bits(a.read()));
    }
    expect(bits(await innerState((opt as unknown as { inner: tf.Optimizer }).inner))).toEqual(
      bits(await innerState(bare)),
    );
    expect(bits(slowOf(plugin))).toEqual(bits(b.read())); // synchronized after the 24th step: φ = θ
    bare.dispose();
    opt.dispose();
  });

  it.each(Object.keys(optimizers))(
    'α = 0.5, k = 5 follows φ ← φ + α(θ − φ), θ ← φ every 5th step, with the wrapped optimizer’s state kept (%s)',
    async (name) => {
      const [k, alpha] = [5, 0.5];
      const [a, b] = [problem(17), problem(17)];
      // By hand: the bare optimizer and the formula in the same float32 ops.
      const bare = optimizers[name]();
      const slow = a.variables.map((v) => tf.variable(v.clone(), false));
      const plugin = lookahead({ k, alpha });
      const opt = withPlugins(optimizers[name](), plugin);
      for (let i = 0; i < 22; i++) {
        bare.minimize(a.loss, false, a.variables);
        if ((i + 1) % k === 0) {
          tf.tidy(() =>
            slow.forEach((s, j) => {
              s.assign(tf.add(s, tf.mul(alpha, tf.sub(a.variables[j], s))));
              a.variables[j].assign(s);
            }),
          );
        }
        opt.minimize(b.loss, false, b.variables);
        expect(bits(b.read())).toEqual(bits(a.read()));
        expect(bits(slowOf(plugin))).toEqual(bits(readAll(slow)));
      }
      // The slow weights moved: they are not the initial weights, and not the fast weights now.
      expect(bits(slowOf(plugin))).not.toEqual(bits(b.read()));
      expect(bits(await innerState((opt as unknown as { inner: tf.Optimizer }).inner))).toEqual(
        bits(await innerState(bare)),
      );
      bare.dispose();
      opt.dispose();
      tf.dispose(slow);
    },
  );
});

describe('lookahead on cpu: formula in float64', () => {
  beforeAll(() => useBackend('cpu'));

  it('with SGD on a quadratic equals the float64 recursion (k = 3, α = 0.3)', () => {
    // L(θ) = ½ Σ hᵢθᵢ², so SGD's step is θ ← θ − η·h·θ; lookahead on top, in float64.
    const h = [1, 0.5, 2, 0.1];
    const eta = 0.2;
    const theta = tf.variable(tf.tensor1d([1, -2, 0.5, 3]), true, 'lookahead-quadratic');
    const hT = tf.tensor1d(h);
    const loss = () => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(hT, tf.square(theta)))) as tf.Scalar);
    const opt = withPlugins(tf.train.sgd(eta), lookahead({ k: 3, alpha: 0.3 }));
    let t = [1, -2, 0.5, 3];
    let phi = [...t];
    for (let i = 0; i < 10; i++) {
      opt.minimize(loss, false, [theta]);
      t = t.map((x, j) => x - eta * h[j] * x);
      if ((i + 1) % 3 === 0) {
        phi = phi.map((p, j) => p + 0.3 * (t[j] - p));
        t = [...phi];
      }
    }
    const got = Array.from(theta.dataSync());
    got.forEach((x, j) => expect(Math.abs(x - t[j])).toBeLessThan(1e-6 * Math.max(1, Math.abs(t[j]))));
    opt.dispose();
    tf.dispose([theta, hT]);
  });

  it('refuses a reparameterization in the stack, naming it, before anything is applied', () => {
    const p = problem(3);
    let parameter: tf.Variable | undefined;
    const doubling: Plugin = {
      name: 'doubling',
      reparameterize(trained) {
        parameter = tf.variable(tf.div(trained[2], 2), false);
        return { derived: [trained[2]], parameters: [parameter] };
      },
      apply: (ctx, grads, next) => next(grads.map((g, i) => (ctx.roles[i] === 'derived' ? null : g))),
      getConfig: () => ({}),
      dispose: () => parameter?.dispose(),
    };
    const opt = withPlugins(tf.train.sgd(0.1), lookahead(), doubling);
    const before = p.read();
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(FlatoptError);
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(
      /lookahead: a plugin of this stack reparameterizes variables .* Nothing was applied\./,
    );
    expect(bits(p.read())).toEqual(bits(before));
    expect(opt.iterations).toBe(0);
    opt.dispose();
  });
});
