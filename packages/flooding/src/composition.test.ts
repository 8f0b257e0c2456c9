import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { diagonalLinearNetwork, relativeError, type Dln } from '@flatopt/core/testing';
import { gradReg } from '@flatopt/grad-reg';
import { flooding } from './flooding';

/** The gradient a stack hands to the wrapped optimizer (the evaluate stage's output), as float64. */
function applied(net: Dln, ...plugins: Plugin[]): Float64Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  const { value, grads } = opt.computeGradients(net.loss, [net.u, net.v]);
  const out = [net.u, net.v].map((x) => Float64Array.from(grads[x.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

const bits = (xs: Float64Array[]) => xs.map((x) => Array.from(new Uint32Array(Float32Array.from(x).buffer)));

// Flooding composes through the loss: whatever another plugin differentiates is the flooded loss.
describe('flooding composed with gradient regularization', () => {
  const nets: Dln[] = [];
  const net = () => {
    const n = diagonalLinearNetwork();
    nets.push(n);
    return n;
  };
  beforeAll(() => tf.setBackend('cpu'));
  afterEach(() => nets.splice(0).forEach((n) => n.dispose()));

  it('is transparent both ways: b = 0 leaves gradReg exact, γ = 0 leaves flooding exact', () => {
    const n = net(); // L ≈ 2.13
    const gr = () => gradReg({ gamma: 0.1, epsilon: 0.05 });
    expect(bits(applied(n, flooding({ level: 0 }), gr()))).toEqual(bits(applied(n, gr())));
    expect(bits(applied(n, gr(), flooding({ level: 0 })))).toEqual(bits(applied(n, gr())));
    const fl = () => flooding({ level: 5 });
    expect(bits(applied(n, fl(), gradReg({ gamma: 0 })))).toEqual(bits(applied(n, fl())));
  });

  it('below the level, double-backprop GR regularizes the flooded loss 2b − L: G = −g + γ·Hg', () => {
    const n = net();
    const gamma = 0.1;
    const [gu, gv] = n.gradient();
    const [hu, hv] = n.hvp(gu, gv);
    const expected = [gu.map((x, i) => -x + gamma * hu[i]), gv.map((x, i) => -x + gamma * hv[i])];
    // Either order: double backprop differentiates ctx.objective(), which applies every loss transform.
    for (const plugins of [
      [gradReg({ gamma, method: 'double-backprop' }), flooding({ level: 5 })],
      [flooding({ level: 5 }), gradReg({ gamma, method: 'double-backprop' })],
    ]) {
      expect(relativeError(applied(n, ...plugins), expected)).toBeLessThan(1e-5);
    }
    // Above the level it is plain GR, g + γ·Hg.
    const above = [gu.map((x, i) => x + gamma * hu[i]), gv.map((x, i) => x + gamma * hv[i])];
    const descent = applied(n, flooding({ level: 1 }), gradReg({ gamma, method: 'double-backprop' }));
    expect(relativeError(descent, above)).toBeLessThan(1e-5);
  });

  it('forward GR inside flooding costs 2 gradient evaluations; flooding alone 1', () => {
    const n = net();
    const count = (...plugins: Plugin[]) =>
      withPlugins(tf.train.sgd(0.01), ...plugins).step(n.loss, [n.u, n.v]).gradientEvaluations;
    expect(count(flooding({ level: 0.05 }))).toBe(1);
    expect(count(flooding({ level: 0.05 }), gradReg({ gamma: 0.1 }))).toBe(2);
  });

  it('inside forward GR, diagnostics come from the evaluation at θ, not from the probe at θ + ε·g', () => {
    const n = net();
    const raw = tf.tidy(() => n.loss().dataSync()[0]); // ≈ 2.13
    const report = withPlugins(
      tf.train.sgd(0.01),
      gradReg({ gamma: 0.1, epsilon: 0.05 }),
      flooding({ level: 1 }),
    ).step(n.loss, [n.u, n.v]);
    expect(report.gradientEvaluations).toBe(2);
    expect(report.diagnostics['flooding/belowLevel']).toBe(0);
    expect(report.diagnostics['flooding/floodedLoss']).toBeCloseTo(raw, 6);
    expect(report.loss).toBe(raw);
    // The probe's loss differs (by ≈ ε‖g‖² ≈ 1.7), so the test tells the two apart.
    expect(report.diagnostics['gradReg/gradNormSq'] * 0.05).toBeGreaterThan(1);
  });
});
