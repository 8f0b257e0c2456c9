import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bits, useProblems } from './__fixtures__/problems';
import type { Parametrization, Plugin, VariableRole } from './types';
import { withPlugins } from './with-plugins';

const problem = useProblems();

/** w = g·v/‖v‖ over the whole tensor (Salimans & Kingma with one radius): g = ‖w‖, v = w. */
const polar: Parametrization = {
  names: ['g', 'v'],
  forward: ([g, v]) => tf.mul(g, tf.div(v, tf.norm(v))),
  rightInverse: (w) => [tf.norm(w), tf.clone(w)],
};

/** Parametrizes the trained variables `pick` chooses with `p`; records the apply stage's roles. */
function parametrizing(p: Parametrization, pick: (i: number) => boolean) {
  const seen = { roles: [] as readonly VariableRole[], params: [] as tf.Variable[][] };
  const plugin: Plugin = {
    name: 'param',
    init(ctx) {
      ctx.variables.forEach((v, i) => pick(i) && seen.params.push(ctx.parametrize(v, p)));
    },
    apply(ctx, grads, next) {
      seen.roles = ctx.roles;
      next(grads);
    },
    getConfig: () => ({}),
  };
  return { plugin, seen };
}

describe('InitContext.parametrize: reparameterization by autodiff', () => {
  it('w = 2p: one SGD step moves w by −4η·∂L/∂w, as the chain rule says', () => {
    const p = problem();
    const w = p.variables[0];
    const g = tf.grad(() => p.loss())(w); // ∂L/∂w, not through the optimizer
    const expected = tf.sub(w, tf.mul(g, 4 * 0.1)).dataSync();
    const { plugin, seen } = parametrizing(
      { names: ['half'], forward: ([h]) => tf.mul(h, 2), rightInverse: (x) => [tf.div(x, 2)] },
      (i) => i === 0,
    );
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    opt.minimize(p.loss, false, p.variables);
    const after = w.dataSync();
    after.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
    expect(seen.roles).toEqual(['derived', 'trained', 'trained', 'trained', 'parameter']);
    opt.dispose();
  });

  it('weight normalization: the parameters move by the polar gradients of Salimans & Kingma', () => {
    const p = problem();
    const w = p.variables[2];
    const W = Array.from(w.dataSync());
    const G = Array.from(
      tf
        .grad(() => p.loss())(w)
        .dataSync(),
    );
    // g = ‖w‖, v = w: ∂L/∂g = ⟨G, w⟩/‖w‖, ∂L/∂v = (g/‖v‖)(G − ⟨G, w⟩w/‖w‖²) = G − ⟨G, w⟩w/‖w‖².
    const norm = Math.hypot(...W);
    const dot = W.reduce((s, x, i) => s + x * G[i], 0);
    const { plugin, seen } = parametrizing(polar, (i) => i === 2);
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    opt.minimize(p.loss, false, p.variables);
    const [g, v] = seen.params[0];
    expect(g.dataSync()[0]).toBeCloseTo(norm - 0.1 * (dot / norm), 6);
    const vAfter = v.dataSync();
    W.forEach((x, i) => expect(vAfter[i]).toBeCloseTo(x - 0.1 * (G[i] - (dot * x) / norm ** 2), 6));
    // and w is written back from them
    const wAfter = w.dataSync();
    const vNorm = Math.hypot(...vAfter);
    wAfter.forEach((x, i) => expect(x).toBeCloseTo((g.dataSync()[0] * vAfter[i]) / vNorm, 6));
    opt.dispose();
  });

  it('saves the parameters as state, restores them before the first step, and resumes bit-exactly', async () => {
    const [a, b] = [problem(), problem()];
    const first = withPlugins(tf.train.adam(0.01), parametrizing(polar, (i) => i % 2 === 0).plugin);
    for (let i = 0; i < 3; i++) first.minimize(a.loss, false, a.variables);
    const saved = await first.getWeights();
    expect(saved.filter((x) => x.name.startsWith('flatopt/param/')).map((x) => x.name)).toEqual([
      'flatopt/param/g0',
      'flatopt/param/g2',
      'flatopt/param/v0',
      'flatopt/param/v2',
    ]);
    b.assign(a.read());
    const second = withPlugins(tf.train.adam(0.01), parametrizing(polar, (i) => i % 2 === 0).plugin);
    await second.setWeights(saved);
    for (let i = 0; i < 2; i++) {
      first.minimize(a.loss, false, a.variables);
      second.minimize(b.loss, false, b.variables);
    }
    expect(bits(b.read())).toEqual(bits(a.read()));
    first.dispose();
    second.dispose();
  });

  it('uses a hand-written pullback in place of autodiff, and gets the same step', () => {
    const [a, b] = [problem(), problem()];
    // The closed form of weight normalization's vector–Jacobian product (one radius).
    const handPolar: Parametrization = {
      ...polar,
      pullback: ([g, v], G) => {
        const n = tf.norm(v);
        const dg = tf.div(tf.sum(tf.mul(G, v)), n);
        return [dg, tf.mul(tf.sub(G, tf.mul(v, tf.div(dg, n))), tf.div(g, n))];
      },
    };
    let calls = 0;
    const counted: Parametrization = {
      ...handPolar,
      pullback: (ps, G) => (calls++, handPolar.pullback!(ps, G)),
    };
    const auto = withPlugins(tf.train.adam(0.01), parametrizing(polar, (i) => i === 2).plugin);
    const hand = withPlugins(tf.train.adam(0.01), parametrizing(counted, (i) => i === 2).plugin);
    for (let i = 0; i < 3; i++) {
      auto.minimize(a.loss, false, a.variables);
      hand.minimize(b.loss, false, b.variables);
    }
    expect(calls).toBe(3);
    const [x, y] = [a.read()[2], b.read()[2]];
    x.forEach((value, i) => expect(y[i]).toBeCloseTo(value, 6));
    auto.dispose();
    hand.dispose();
  });

  it('refuses a variable that is not trained, twice parametrized, or a rightInverse of the wrong length', () => {
    const p = problem();
    const stray = tf.variable(tf.zeros([2]));
    const bad = (f: (ctx: Parameters<NonNullable<Plugin['init']>>[0]) => void): Plugin => ({
      name: 'bad',
      init: f,
      getConfig: () => ({}),
    });
    const run = (plugin: Plugin) => () =>
      withPlugins(tf.train.sgd(0.1), plugin).minimize(p.loss, false, p.variables);
    expect(run(bad((ctx) => ctx.parametrize(stray, polar)))).toThrow(
      /bad.init: parametrize: ".*" must be a trained variable, parametrized once/,
    );
    expect(
      run(
        bad((ctx) => {
          ctx.parametrize(ctx.variables[0], polar);
          ctx.parametrize(ctx.variables[0], polar);
        }),
      ),
    ).toThrow(/parametrized once/);
    expect(
      run(bad((ctx) => ctx.parametrize(ctx.variables[0], { ...polar, rightInverse: (w) => [w] }))),
    ).toThrow(/rightInverse must return 2 tensors \(g, v\)/);
    stray.dispose();
  });
});
