import {
  disableSecondOrderGradients,
  enableSecondOrderGradients,
  secondOrderGradientsEnabled,
} from '@flatopt/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBitwiseEqual,
  diagonalLinearNetwork,
  flatoptErrorMessage as message,
  mlpProblem,
  normals,
  readAll,
  relativeError,
} from '@flatopt/core/testing';
import { hessianVectorProduct, type HvpOptions } from './hvp';
import { quadratic } from './sharpness-fixtures';

const disposers: Array<() => void> = [];
const own = <T extends { dispose: () => void }>(x: T) => (disposers.push(() => x.dispose()), x);
afterEach(() => {
  disposers.splice(0).forEach((d) => d());
  disableSecondOrderGradients();
});

/** H·v as float64 arrays (the product tensors disposed), plus what the call reported. */
function hvp(loss: () => tf.Scalar, variables: tf.Variable[], vector: tf.Tensor[], options?: HvpOptions) {
  const result = hessianVectorProduct(loss, variables, vector, options);
  const product = result.product.map((t) => Float64Array.from(t.dataSync()));
  tf.dispose(result.product);
  return { ...result, product };
}

/** Runs `fn` and checks that it left the weights bit-identical and no tensor behind. */
function untouched<T>(variables: tf.Variable[], fn: () => T): T {
  const before = readAll(variables);
  const tensors = tf.memory().numTensors;
  const out = fn();
  assertBitwiseEqual('restore', 'weights after the probe', readAll(variables), before);
  expect(tf.memory().numTensors).toBe(tensors);
  return out;
}

const flat = (xs: Float64Array[]) => Float64Array.from(xs.flatMap((x) => [...x]));
const tensors = (values: Float32Array, variables: tf.Variable[]) => {
  let offset = 0;
  return variables.map((v) => tf.tensor(values.slice(offset, (offset += v.size)), v.shape));
};

describe.each(['cpu', 'wasm'])('hessianVectorProduct (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it('equals A·v on a quadratic: finite differences rel < 1e-4, double backprop rel < 1e-5', () => {
    const q = own(quadratic());
    const values = normals(q.n, 31);
    const v = tensors(values, q.variables);
    const exact = q.times(values);
    const fd = untouched(q.variables, () => hvp(q.loss, q.variables, v));
    const db = untouched(q.variables, () => hvp(q.loss, q.variables, v, { method: 'double-backprop' }));
    tf.dispose(v);
    expect(fd.method).toBe('finite-difference');
    expect(db.method).toBe('double-backprop');
    // h = ε·max(1, ‖θ‖)/‖v‖ with the default ε = 1e-3.
    const norm = (x: ArrayLike<number>) => Math.hypot(...Array.from(x));
    expect(fd.step! / ((1e-3 * Math.max(1, norm(q.theta()))) / norm(values))).toBeCloseTo(1, 5);
    expect(db.step).toBeNull();
    const errors = {
      fd: relativeError([flat(fd.product)], [exact]),
      db: relativeError([flat(db.product)], [exact]),
    };
    console.log(
      `[${backend}] quadratic HVP rel. error: finite difference ${errors.fd.toExponential(2)}, double backprop ${errors.db.toExponential(2)}`,
    );
    expect(errors.fd).toBeLessThan(1e-4);
    expect(errors.db).toBeLessThan(1e-5);
  });

  it('matches the float64 closed form on the diagonal linear network (rel < 1e-3 in float32)', () => {
    const dln = own(diagonalLinearNetwork());
    const variables = [dln.u, dln.v];
    const [a, c] = [normals(100, 11), normals(100, 12)];
    const exact = dln.hvp(Float64Array.from(a), Float64Array.from(c));
    const v = [tf.tensor1d(a), tf.tensor1d(c)];
    const fd = untouched(variables, () => hvp(dln.loss, variables, v));
    const db = untouched(variables, () => hvp(dln.loss, variables, v, { method: 'double-backprop' }));
    tf.dispose(v);
    const errors = { fd: relativeError(fd.product, exact), db: relativeError(db.product, exact) };
    console.log(
      `[${backend}] DLN HVP rel. error: finite difference ${errors.fd.toExponential(2)}, double backprop ${errors.db.toExponential(2)}`,
    );
    expect(errors.fd).toBeLessThan(1e-3);
    expect(errors.db).toBeLessThan(1e-3);
  });

  it('defaults to double backprop only when second-order gradients are enabled', () => {
    const p = own(mlpProblem({ seed: 3 }));
    const v = p.variables.map((x, i) => tf.tensor(normals(x.size, 40 + i), x.shape));
    expect(secondOrderGradientsEnabled()).toBe(false);
    const fd = untouched(p.variables, () => hvp(p.loss, p.variables, v));
    expect(fd.method).toBe('finite-difference');
    expect(secondOrderGradientsEnabled()).toBe(false);
    enableSecondOrderGradients();
    const db = untouched(p.variables, () => hvp(p.loss, p.variables, v));
    tf.dispose(v);
    expect(db.method).toBe('double-backprop');
    // The two agree on a tanh MLP with a double-backprop-safe cross-entropy.
    const error = relativeError(fd.product, db.product);
    console.log(`[${backend}] tanh MLP: finite difference vs double backprop rel. ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-3);
  });

  it("an explicit 'double-backprop' turns second-order gradients on (tanh's second derivative is then right)", () => {
    const w = own(tf.variable(tf.tensor1d([0.3, -0.7, 1.1]), true, `tanh-${backend}`));
    // L = Σ wᵢ·tanh(wᵢ): H = diag(2·sech²w − 2w·sech²w·tanh w).
    const loss = () => tf.tidy(() => tf.sum(tf.mul(w, tf.tanh(w))) as tf.Scalar);
    const v = tf.tensor1d([1, 1, 1]);
    const got = hvp(loss, [w], [v], { method: 'double-backprop' });
    v.dispose();
    expect(secondOrderGradientsEnabled()).toBe(true);
    const exact = [0.3, -0.7, 1.1].map((x) => {
      const s2 = 1 / Math.cosh(x) ** 2;
      return 2 * s2 - 2 * x * s2 * Math.tanh(x);
    });
    got.product[0].forEach((x, i) => expect(x).toBeCloseTo(exact[i], 5));
  });

  it('falls back from double backprop to finite differences for a tf.logSoftmax loss by default, refuses it when asked', () => {
    const p = own(mlpProblem({ seed: 4 }));
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    const x = tf.tensor2d(normals(16 * 6, 5), [16, 6]);
    disposers.push(() => tf.dispose([labels, x]));
    const [w1, b1, w2, b2] = p.variables;
    const loss = () =>
      tf.tidy(() => {
        const logits = tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2);
        return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1))) as tf.Scalar;
      });
    const v = p.variables.map((t, i) => tf.tensor(normals(t.size, 50 + i), t.shape));
    enableSecondOrderGradients();
    const got = untouched(p.variables, () => hvp(loss, p.variables, v));
    expect(got.method).toBe('finite-difference');
    const error = untouched(p.variables, () =>
      message(() => hessianVectorProduct(loss, p.variables, v, { method: 'double-backprop' })),
    );
    tf.dispose(v);
    expect(error).toMatch(
      /^hessianVectorProduct: the loss uses custom-gradient ops \(logSoftmax\) whose second derivative tfjs computes silently wrong, so method 'double-backprop' cannot be used; use 'finite-difference'/,
    );
  });

  it('gives zeros for a zero vector and, by double backprop, for a loss linear in the weights', () => {
    const w = own(tf.variable(tf.tensor1d([1, 2]), true, `linear-${backend}`));
    const loss = () => tf.tidy(() => tf.sum(tf.mul(w, tf.tensor1d([3, -1]))) as tf.Scalar);
    const one = tf.ones([2]);
    const zero = tf.zeros([2]);
    const db = untouched([w], () => hvp(loss, [w], [one], { method: 'double-backprop' }));
    const fd = untouched([w], () => hvp(loss, [w], [zero], { method: 'finite-difference' }));
    tf.dispose([one, zero]);
    expect(Array.from(db.product[0])).toEqual([0, 0]);
    expect(Array.from(fd.product[0])).toEqual([0, 0]);
    expect(fd.step).toBe(0);
  });

  it('restores the weights bit for bit and leaks nothing when the loss throws between the two gradients', () => {
    const q = own(quadratic());
    const v = tensors(normals(q.n, 32), q.variables);
    let calls = 0;
    const loss = () => {
      if (++calls === 2) throw new Error('boom');
      return q.loss();
    };
    untouched(q.variables, () => expect(() => hessianVectorProduct(loss, q.variables, v)).toThrow('boom'));
    calls = 0;
    untouched(q.variables, () =>
      tf.dispose(hessianVectorProduct(loss, q.variables, v, { method: 'double-backprop' }).product),
    );
    calls = 1;
    untouched(q.variables, () =>
      expect(() => hessianVectorProduct(loss, q.variables, v, { method: 'double-backprop' })).toThrow('boom'),
    );
    tf.dispose(v);
  });

  it('refuses bad input with a FlatoptError, weights untouched', () => {
    const q = own(quadratic());
    const unused = own(tf.variable(tf.zeros([3]), true, `unused-${backend}`));
    const frozen = own(tf.variable(tf.zeros([2]), false, `frozen-${backend}`));
    const v = tensors(normals(q.n, 33), q.variables);
    const extra = [...v, tf.ones([3]), tf.ones([2])];
    const check = (fn: () => unknown) => untouched(q.variables, () => message(fn));
    const call = (options: object, vars = q.variables, vector = v, loss = q.loss) =>
      check(() => hessianVectorProduct(loss, vars, vector, options as HvpOptions));
    expect(call({ epsilon: 0 })).toBe(
      "hessianVectorProduct: option 'epsilon' must be a finite number > 0; got 0.",
    );
    expect(call({ epsilon: -1e-3 })).toBe(
      "hessianVectorProduct: option 'epsilon' must be a finite number > 0; got -0.001.",
    );
    expect(call({ method: 'exact' })).toBe(
      "hessianVectorProduct: option 'method' must be one of 'finite-difference', 'double-backprop'; got \"exact\".",
    );
    expect(call({ eps: 1 })).toBe(
      "hessianVectorProduct: unknown option 'eps'; allowed options are 'method', 'epsilon'.",
    );
    expect(call({}, q.variables, v.slice(1))).toBe(
      "hessianVectorProduct: 'vector' must be an array of 2 tensors, one per variable; got an array of length 1.",
    );
    expect(call({}, q.variables, [v[1], v[0]])).toMatch(
      /^hessianVectorProduct: vector\[0\] must be a float32 tensor of shape \[4\] like variable 'quadratic\d+\/a'; got a float32 tensor of shape \[2,4\]\.$/,
    );
    for (const method of ['finite-difference', 'double-backprop']) {
      expect(call({ method }, [...q.variables, unused], extra.slice(0, 3))).toBe(
        `hessianVectorProduct: the loss does not depend on variable(s) 'unused-${backend}', so they have no gradient; pass only the variables the loss uses. The weights were not changed.`,
      );
      expect(call({ method }, [unused], [extra[2]])).toBe(
        `hessianVectorProduct: the loss does not depend on variable(s) 'unused-${backend}', so they have no gradient; pass only the variables the loss uses. The weights were not changed.`,
      );
    }
    expect(call({}, [...q.variables, frozen], [...v, extra[3]])).toBe(
      `hessianVectorProduct: variable 'frozen-${backend}' is not trainable, so it has no gradient; pass only trainable variables.`,
    );
    expect(call({}, q.variables, v, (() => tf.tidy(() => tf.stack([q.loss(), q.loss()]))) as never)).toBe(
      "hessianVectorProduct: 'lossFn' must return a scalar tensor; got a rank-1 tensor.",
    );
    tf.dispose(extra);
  });
});
