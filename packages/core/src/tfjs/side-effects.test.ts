import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sideEffectFree } from './side-effects';

/** The raw float32 bits of a tensor (so -0, denormals and NaN payloads count). */
const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe.each(['cpu', 'wasm'])('sideEffectFree on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
  });

  const owned: tf.Tensor[] = [];
  const variable = (init: number[], trainable: boolean) => {
    const t = tf.tensor1d(init);
    const v = tf.variable(t, trainable);
    t.dispose();
    owned.push(v);
    return v;
  };
  afterEach(() => tf.dispose(owned.splice(0)));

  it('restores a reassigned non-trainable variable bit for bit, but not a trainable one', () => {
    const stat = variable([-0, 0.1, 3e-39, -2.5], false);
    const untouched = variable([7], false);
    const w = variable([1, 2], true);
    const before = bits(stat);
    const untouchedData = untouched.dataId;
    const out = sideEffectFree(() => {
      tf.tidy(() => {
        stat.assign(tf.add(stat, 1));
        w.assign(tf.mul(w, 10));
      });
      expect(values(stat)[3]).toBe(-1.5);
      return 'done';
    });
    expect(out).toBe('done');
    expect(bits(stat)).toEqual(before);
    expect(values(w)).toEqual([10, 20]);
    expect(untouched.dataId).toBe(untouchedData);
  });

  it('drops the push of a tensor kept during fn and disposes it; earlier kept tensors survive', () => {
    const metrics: tf.Tensor[] = [];
    const earlier = tf.keep(tf.scalar(5));
    owned.push(earlier);
    let metric: tf.Tensor | undefined;
    let plain: tf.Tensor | undefined;
    const result = sideEffectFree(() => {
      plain = tf.scalar(2);
      expect(metrics.push(plain)).toBe(1);
      tf.keep(earlier);
      return tf.tidy(() => {
        metric = tf.keep(tf.mean(tf.tensor1d([1, 2, 3])));
        expect(metrics.push(metric)).toBe(1);
        return tf.square(tf.scalar(3));
      });
    });
    owned.push(result, plain as tf.Tensor);
    expect(metrics.length).toBe(1);
    expect(metrics[0]).toBe(plain);
    expect(metric?.isDisposed).toBe(true);
    expect(plain?.isDisposed).toBe(false);
    expect(earlier.isDisposed).toBe(false);
    expect(values(earlier)).toEqual([5]);
    expect(values(result)).toEqual([9]);
  });

  const customSquare = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return { value: tf.square(x as tf.Tensor), gradFunc: (dy, [saved]) => tf.mul(dy, tf.mul(saved, 2)) };
  });
  const init = [-1.5, -0.25, 0, 0.5, 2];
  it.each([
    ['tanh', (w: tf.Tensor) => tf.tanh(w), (x: number) => 1 - Math.tanh(x) ** 2],
    ['exp', (w: tf.Tensor) => tf.exp(w), (x: number) => Math.exp(x)],
    ['w·w', (w: tf.Tensor) => tf.mul(w, w), (x: number) => 2 * x],
    ['customGrad square', (w: tf.Tensor) => customSquare(w), (x: number) => 2 * x],
  ])('inside tf.variableGrads, d/dw sum(%s) is still exact', (_name, f, df) => {
    const w = variable(init, true);
    const metrics: tf.Tensor[] = [];
    const grad = (wrap: (fn: () => tf.Scalar) => tf.Scalar) => {
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => wrap(() => tf.sum(f(w))), [w]);
      const out = { value: values(value), grad: bits(grads[w.name]), at: values(grads[w.name]) };
      tf.dispose([value, grads[w.name]]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const plain = grad((fn) => fn());
    // A metric kept and pushed as tfjs-layers' fit closure does, inside the differentiated function.
    const wrapped = grad((fn) =>
      sideEffectFree(() => {
        metrics.push(tf.keep(tf.mean(w)));
        return fn();
      }),
    );
    expect(metrics).toEqual([]);
    expect(wrapped.value).toEqual(plain.value);
    expect(wrapped.grad).toEqual(plain.grad);
    wrapped.at.forEach((g, i) =>
      expect(Math.abs(g - df(init[i]))).toBeLessThan(1e-6 * Math.max(1, df(init[i]))),
    );
  });

  it('puts Array.prototype.push and engine.keep back after fn returns and after it throws', () => {
    const push = Array.prototype.push;
    const keep = tf.engine().keep;
    const stat = variable([1, 2], false);
    sideEffectFree(() => {
      expect(Array.prototype.push).not.toBe(push);
      expect(tf.engine().keep).not.toBe(keep);
    });
    expect(Array.prototype.push).toBe(push);
    expect(tf.engine().keep).toBe(keep);

    const boom = new Error('boom');
    let metric: tf.Tensor | undefined;
    expect(() =>
      sideEffectFree(() => {
        metric = tf.keep(tf.scalar(1));
        tf.tidy(() => stat.assign(tf.neg(stat)));
        throw boom;
      }),
    ).toThrow(boom);
    expect(Array.prototype.push).toBe(push);
    expect(tf.engine().keep).toBe(keep);
    expect(metric?.isDisposed).toBe(true);
    expect(values(stat)).toEqual([1, 2]);
    const xs: number[] = [];
    expect(xs.push(1, 2)).toBe(2);
  });

  it('leaves tf.memory() unchanged when fn creates, keeps and pushes tensors and writes statistics', () => {
    const stat = variable([0.5, 0.25], false);
    const metrics: tf.Tensor[] = [];
    const before = tf.memory();
    for (let i = 0; i < 3; i++) {
      sideEffectFree(() => {
        metrics.push(tf.keep(tf.scalar(i)));
        tf.tidy(() => {
          metrics.push(tf.keep(tf.sum(tf.ones([4]))));
          stat.assign(tf.add(stat, i));
        });
      });
    }
    const after = tf.memory();
    expect(metrics.length).toBe(0);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    expect(values(stat)).toEqual([0.5, 0.25]);
  });
});
