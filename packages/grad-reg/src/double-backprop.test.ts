import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import {
  mlpProblem,
  normals,
  diagonalLinearNetwork as dln,
  relativeError,
  type Dln,
} from '@flatopt/core/testing';
import { gradReg } from './grad-reg';
import { softmaxCrossEntropy } from './safe-losses';

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

/** The evaluate stage's gradient for `plugin` (what the wrapped optimizer receives), float64. */
function applied(plugin: Plugin, loss: () => tf.Scalar, variables: tf.Variable[]): Float64Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), plugin);
  const { value, grads } = opt.computeGradients(loss, variables);
  const out = variables.map((x) => Float64Array.from(grads[x.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** A tanh MLP trained with the second-order-safe softmax cross-entropy (3 classes). */
function tanhMlp() {
  const p = mlpProblem({ seed: 4 });
  disposables.push(p);
  const [w1, b1, w2, b2] = p.variables;
  const x = tf.tensor2d(normals(16 * 6, 9), [16, 6]);
  const y = tf.oneHot(
    tf.tensor1d(
      [...Array(16).keys()].map((i) => i % 3),
      'int32',
    ),
    3,
  );
  disposables.push(x, y);
  const loss = () =>
    tf.tidy(
      () =>
        softmaxCrossEntropy(y, tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Scalar,
    );
  return { variables: p.variables, loss };
}

/** g + γ·H·g with H·g by a central difference of gradients along g (float32, step h). */
function centralReference(
  loss: () => tf.Scalar,
  variables: tf.Variable[],
  gamma: number,
  h: number,
): Float64Array[] {
  const result = tf.tidy(() => {
    const grads = () => tf.variableGrads(loss, variables).grads;
    const g = grads();
    const saved = variables.map((v) => tf.clone(v));
    const at = (s: number) => {
      variables.forEach((v, i) => v.assign(tf.add(saved[i], tf.mul(g[v.name], s))));
      return grads();
    };
    const [up, down] = [at(h), at(-h)];
    variables.forEach((v, i) => v.assign(saved[i]));
    return variables.map((v) =>
      tf.add(g[v.name], tf.mul(tf.div(tf.sub(up[v.name], down[v.name]), 2 * h), gamma)),
    );
  });
  const out = result.map((t) => Float64Array.from(t.dataSync()));
  tf.dispose(result);
  return out;
}

describe.each(['cpu', 'wasm'])('double-backprop GR (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it('equals g + γ·H·g from the closed form of the diagonal linear network (relative error < 1e-4)', () => {
    const n: Dln = dln();
    disposables.push(n);
    const [gu, gv] = n.gradient();
    const [hu, hv] = n.hvp(gu, gv);
    const exact = [gu.map((x, i) => x + 0.1 * hu[i]), gv.map((x, i) => x + 0.1 * hv[i])];
    const db = applied(gradReg({ gamma: 0.1, method: 'double-backprop' }), n.loss, [n.u, n.v]);
    expect(relativeError(db, exact)).toBeLessThan(1e-4);
  });

  it('through tanh and softmax cross-entropy equals g + γ·H·g by central differences (relative error < 1e-3)', () => {
    const { variables, loss } = tanhMlp();
    const reference = centralReference(loss, variables, 0.1, 1e-2);
    const db = applied(gradReg({ gamma: 0.1, method: 'double-backprop' }), loss, variables);
    expect(relativeError(db, reference)).toBeLessThan(1e-3);
  });

  it('through tf.where (a Huber loss) equals g + γ·H·g by central differences (relative error < 1e-3)', () => {
    const { variables } = tanhMlp();
    const [w1, b1] = variables;
    const x = tf.tensor2d(normals(16 * 6, 11), [16, 6]);
    disposables.push(x);
    const loss = () =>
      tf.tidy(() => {
        const r = tf.tanh(tf.add(tf.matMul(x, w1), b1));
        const small = tf.less(tf.abs(r), 0.5);
        return tf.mean(
          tf.where(small, tf.mul(0.5, tf.square(r)), tf.sub(tf.mul(0.5, tf.abs(r)), 0.125)),
        ) as tf.Scalar;
      });
    const reference = centralReference(loss, [w1, b1], 0.1, 1e-2);
    const db = applied(gradReg({ gamma: 0.1, method: 'double-backprop' }), loss, [w1, b1]);
    expect(relativeError(db, reference)).toBeLessThan(1e-3);
  });

  it('costs one double-backprop evaluation and records ‖g‖², (γ/2)‖g‖² and cos(g, G)', () => {
    const n: Dln = dln();
    disposables.push(n);
    const [gu, gv] = n.gradient();
    const normSq = [...gu, ...gv].reduce((s, x) => s + x * x, 0);
    const report = withPlugins(tf.train.sgd(0.01), gradReg({ gamma: 0.1, method: 'double-backprop' })).step(
      n.loss,
      [n.u, n.v],
    );
    expect([report.gradientEvaluations, report.doubleBackpropEvaluations]).toEqual([0, 1]);
    expect(report.diagnostics['gradReg/gradNormSq'] / normSq).toBeCloseTo(1, 5);
    expect(report.diagnostics['gradReg/penalty'] / (0.05 * normSq)).toBeCloseTo(1, 5);
    expect(Math.abs(report.diagnostics['gradReg/cosine'])).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('refuses tf.losses.softmaxCrossEntropy (wrong second derivative in tfjs), says what to use, applies nothing', () => {
    const p = mlpProblem({ seed: 6 });
    disposables.push(p);
    const [w1, b1, w2, b2] = p.variables;
    const x = tf.tensor2d(normals(8 * 6, 2), [8, 6]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    disposables.push(x, y);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(
        y,
        tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
      ) as tf.Scalar;
    const before = p.read();
    const opt = withPlugins(tf.train.adam(0.01), gradReg({ gamma: 0.1, method: 'double-backprop' }));
    expect(() => opt.minimize(loss, false, p.variables)).toThrow(
      /gradReg: method 'double-backprop' is not usable here: the loss uses custom-gradient ops \(softmaxCrossEntropy.*\) whose second derivative tfjs computes silently wrong; use softmaxCrossEntropy from '@flatopt\/grad-reg'.*Nothing was applied\. Pass fallback: 'forward'/,
    );
    expect(p.read()).toEqual(before);
    expect(opt.iterations).toBe(0);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fallback = gradReg({ gamma: 0.1, epsilon: 0.05, method: 'double-backprop', fallback: 'forward' });
    const got = applied(fallback, loss, p.variables);
    expect(got).toEqual(applied(gradReg({ gamma: 0.1, epsilon: 0.05 }), loss, p.variables));
    applied(fallback, loss, p.variables);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/using method 'forward' from now on/);
    warn.mockRestore();
  });
});

describe('double-backprop GR on a backend without the kernels (wasm conv)', () => {
  beforeAll(() => tf.setBackend('wasm'));

  it('says that not even first-order training works there, also with fallback', () => {
    const filter = tf.variable(tf.randomNormal([3, 3, 1, 2], 0, 0.1, 'float32', 1), true, 'wasm-conv/filter');
    const image = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 2);
    disposables.push(filter, image);
    const loss = () =>
      tf.tidy(
        () =>
          tf.mean(tf.square(tf.conv2d(image as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same'))) as tf.Scalar,
      );
    const opt = withPlugins(tf.train.sgd(0.1), gradReg({ method: 'double-backprop', fallback: 'forward' }));
    expect(() => opt.minimize(loss, false, [filter])).toThrow(
      /the 'wasm' backend has no 'Conv2DBackpropFilter' kernel, which even first-order training of this model needs.*use the cpu backend or tfjs-node/,
    );
  });
});

describe('double backprop through tfjs-layers’ fused matMul', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('gives the same GR gradient through tf.fused.matMul (a custom-gradient op) as through matMul + add', () => {
    const x = tf.randomNormal([8, 5], 0, 1, 'float32', 1);
    const w = tf.variable(tf.randomNormal([5, 4], 0, 0.5, 'float32', 2), true, 'fused-check/w');
    const b = tf.variable(tf.randomNormal([4], 0, 0.5, 'float32', 3), true, 'fused-check/b');
    disposables.push(x, w, b);
    const loss = (fused: boolean) => () =>
      tf.tidy(() => {
        const z = fused
          ? tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b })
          : tf.add(tf.matMul(x, w), b);
        return tf.sum(tf.square(tf.tanh(z))) as tf.Scalar;
      });
    const plugin = () => gradReg({ gamma: 0.1, method: 'double-backprop' });
    const [plain, fused] = [false, true].map((f) => applied(plugin(), loss(f), [w, b]));
    expect(relativeError(fused, plain)).toBeLessThan(1e-6);
  });
});
