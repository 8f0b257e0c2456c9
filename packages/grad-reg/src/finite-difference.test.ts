import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { diagonalLinearNetwork as dln, relativeError, type Dln } from '@flatopt/core/testing';
import { gradReg } from './grad-reg';

/** The gradient the plugin hands to the wrapped optimizer (the evaluate stage's output), as float64. */
function applied(plugin: Plugin, net: Dln): Float64Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(net.loss, [net.u, net.v]);
  const out = [net.u, net.v].map((x) => Float64Array.from(grads[x.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** tf.tidy for a block that reads its results into plain arrays before the scope closes. */
const scoped = <T>(fn: () => T): T => tf.tidy(fn as () => tf.TensorContainer) as T;

const bits = (xs: Float64Array[]) => xs.map((x) => Array.from(new Uint32Array(Float32Array.from(x).buffer)));

describe.each(['cpu', 'wasm'])('finite-difference GR on the diagonal linear network (%s)', (backend) => {
  const nets: Dln[] = [];
  const net = (options = {}) => {
    const n = dln(options);
    nets.push(n);
    return n;
  };
  beforeAll(() => tf.setBackend(backend));
  afterEach(() => nets.splice(0).forEach((n) => n.dispose()));

  /** g + γ·H·g from the float64 closed form (SCIENCE §2.1). */
  const exact = (n: Dln, gamma: number) => {
    const [gu, gv] = n.gradient();
    const [hu, hv] = n.hvp(gu, gv);
    return [gu.map((x, i) => x + gamma * hu[i]), gv.map((x, i) => x + gamma * hv[i])];
  };

  it('forward and backward errors halve with ε (slope 1), central errors quarter (slope 2)', () => {
    const n = net();
    const gamma = 0.1;
    const reference = exact(n, gamma);
    const epsilons = [0.1, 0.05, 0.025, 0.0125];
    const errors = (method: 'forward' | 'backward' | 'central') =>
      epsilons.map((epsilon) => relativeError(applied(gradReg({ gamma, epsilon, method }), n), reference));
    const slopes = (e: number[]) => e.slice(1).map((x, i) => Math.log2(e[i] / x));
    const [f, b, c] = [errors('forward'), errors('backward'), errors('central')];
    // SCIENCE §5.1 measured 0.127 → 0.015 (forward) and 4.9e-3 → 7.6e-5 (central) on its draw.
    expect(f[0]).toBeGreaterThan(0.02);
    expect(f[0]).toBeLessThan(0.5);
    for (const s of [...slopes(f), ...slopes(b)]) {
      expect(s).toBeGreaterThan(0.85);
      expect(s).toBeLessThan(1.15);
    }
    // Central: O(ε²) until float32 rounding of (g₊ − g₋)/2ε takes over at the smallest ε.
    for (const s of slopes(c).slice(0, 2)) {
      expect(s).toBeGreaterThan(1.7);
      expect(s).toBeLessThan(2.3);
    }
    expect(c[0]).toBeLessThan(f[0] / 10);
  });

  it('forward with γ = ε is exactly the unnormalized-SAM gradient ∇L(θ + ε·g)', () => {
    const n = net();
    const eps = 0.05;
    const usam = scoped(() => {
      const g = tf.variableGrads(n.loss, [n.u, n.v]).grads;
      const saved = [n.u, n.v].map((x) => tf.clone(x));
      [n.u, n.v].forEach((x) => x.assign(tf.add(x, tf.mul(g[x.name], eps))));
      const g2 = tf.variableGrads(n.loss, [n.u, n.v]).grads;
      [n.u, n.v].forEach((x, i) => x.assign(saved[i]));
      return [n.u, n.v].map((x) => Float64Array.from(g2[x.name].dataSync()));
    });
    expect(bits(applied(gradReg({ gamma: eps, epsilon: eps }), n))).toEqual(bits(usam));
  });

  it('forward with −ε is exactly backward with ε', () => {
    const n = net();
    const f = applied(gradReg({ gamma: 0.1, epsilon: -0.05, method: 'forward' }), n);
    expect(bits(f)).toEqual(bits(applied(gradReg({ gamma: 0.1, epsilon: 0.05, method: 'backward' }), n)));
  });

  it('a zero gradient gives a finite, zero update for every method and penalty', () => {
    const n = net({ u: Array(100).fill(0), v: Array(100).fill(0) }); // u = v = 0: ∇L = 0 exactly
    for (const plugin of [
      gradReg({ method: 'forward' }),
      gradReg({ method: 'backward' }),
      gradReg({ method: 'central' }),
      gradReg({ penalty: 'norm', lambda: 0.05 }),
      gradReg({ penalty: 'norm', lambda: 0.05, method: 'central' }),
    ]) {
      for (const g of applied(plugin, n)) expect(Array.from(g).every((x) => x === 0)).toBe(true);
    }
  });

  it('the norm penalty probes at radius ε along g/‖g‖ and weighs it by α = λ/ε', () => {
    const n = net();
    const [r, lambda] = [0.1, 0.08];
    const alpha = lambda / r;
    const [gu, gv] = n.gradient();
    const norm = Math.hypot(...gu, ...gv);
    const at = scoped(() => {
      const saved = [n.u, n.v].map((x) => tf.clone(x));
      n.u.assign(tf.add(n.u, tf.tensor1d(Float32Array.from(gu, (x) => (r * x) / norm))));
      n.v.assign(tf.add(n.v, tf.tensor1d(Float32Array.from(gv, (x) => (r * x) / norm))));
      const g2 = tf.variableGrads(n.loss, [n.u, n.v]).grads;
      [n.u, n.v].forEach((x, i) => x.assign(saved[i]));
      return [n.u, n.v].map((x) => Float64Array.from(g2[x.name].dataSync()));
    });
    const expected = [gu, gv].map((g, k) => g.map((x, i) => (1 - alpha) * x + alpha * at[k][i]));
    expect(
      relativeError(applied(gradReg({ penalty: 'norm', lambda, epsilon: r }), n), expected),
    ).toBeLessThan(1e-5);
  });

  it('records ‖g‖², the penalty (γ/2)‖g‖² and the cosine between the two gradients, and counts 2 evaluations', () => {
    const n = net();
    const [gu, gv] = n.gradient();
    const normSq = [...gu, ...gv].reduce((s, x) => s + x * x, 0);
    const report = withPlugins(tf.train.sgd(0.1), gradReg({ gamma: 0.1, epsilon: 0.05 })).step(n.loss, [
      n.u,
      n.v,
    ]);
    expect(report.diagnostics['gradReg/gradNormSq']).toBeCloseTo(normSq, 4);
    expect(report.diagnostics['gradReg/penalty'] / (0.05 * normSq)).toBeCloseTo(1, 5);
    expect(report.diagnostics['gradReg/cosine']).toBeGreaterThan(0.9);
    expect(report.diagnostics['gradReg/cosine']).toBeLessThanOrEqual(1 + 1e-6);
    expect(report.gradientEvaluations).toBe(2);
  });

  it('costs 2, 2 and 3 gradient evaluations, and 1 with γ = 0 (no probe at all)', () => {
    const n = net();
    const count = (plugin: Plugin) =>
      withPlugins(tf.train.sgd(0.01), plugin).step(n.loss, [n.u, n.v]).gradientEvaluations;
    expect(count(gradReg({ method: 'forward' }))).toBe(2);
    expect(count(gradReg({ method: 'backward' }))).toBe(2);
    expect(count(gradReg({ method: 'central' }))).toBe(3);
    expect(count(gradReg({ gamma: 0 }))).toBe(1);
  });
});
