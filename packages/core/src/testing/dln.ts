import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, normals } from './prng';

/**
 * The diagonal linear network β = u⊙u − v⊙v with L = (1/2n)‖Xβ − y‖² (SCIENCE.md §2.1, §3), as
 * tfjs variables plus float64 closed forms of its gradient and Hessian-vector product, for
 * checking gradient regularization against exact values.
 */
export interface Dln {
  readonly u: tf.Variable;
  readonly v: tf.Variable;
  readonly loss: () => tf.Scalar;
  /** ∇L at the current weights, float64: [∂u, ∂v]. */
  gradient(): [Float64Array, Float64Array];
  /** H·(a, c) at the current weights, float64. */
  hvp(a: Float64Array, c: Float64Array): [Float64Array, Float64Array];
  dispose(): void;
}

let counter = 0;

export function diagonalLinearNetwork(
  options: { d?: number; n?: number; seed?: number; u?: number[]; v?: number[] } = {},
): Dln {
  const { d = 100, n = 40, seed = 5 } = options;
  const X = Float64Array.from(normals(n * d, seed));
  const rand = mulberry32(seed + 1);
  // θ ≈ 0.5 ± 0.1 (SCIENCE §5.1) unless given; y from a 5-sparse β* plus the network's own scale.
  const init = () => Array.from({ length: d }, () => 0.4 + 0.2 * rand());
  const u0 = options.u ?? init();
  const v0 = options.v ?? init();
  const betaStar: number[] = Array.from({ length: d }, (_, i) => (i % 20 === 0 ? 1 : 0));
  const y = Array.from({ length: n }, (_, j) => betaStar.reduce((s, b, i) => s + X[j * d + i] * b, 0));
  const id = ++counter;
  const u = tf.variable(tf.tensor1d(u0), true, `dln${id}/u`);
  const v = tf.variable(tf.tensor1d(v0), true, `dln${id}/v`);
  const Xt = tf.tensor2d(Float32Array.from(X), [n, d]);
  const yt = tf.tensor1d(y);
  const loss = () =>
    tf.tidy(() => {
      const beta = tf.sub(tf.square(u), tf.square(v));
      const residual = tf.sub(tf.squeeze(tf.matMul(Xt, tf.reshape(beta, [d, 1]))), yt);
      return tf.div(tf.sum(tf.square(residual)), 2 * n) as tf.Scalar;
    });
  const read = () => [Float64Array.from(u.dataSync()), Float64Array.from(v.dataSync())];
  // r = Xᵀ(Xβ − y)/n and dr = XᵀX·dβ/n, in float64.
  const xtx = (vec: Float64Array, minus?: number[]) => {
    const out = new Float64Array(d);
    for (let j = 0; j < n; j++) {
      let s = minus ? -minus[j] : 0;
      for (let i = 0; i < d; i++) s += X[j * d + i] * vec[i];
      for (let i = 0; i < d; i++) out[i] += (X[j * d + i] * s) / n;
    }
    return out;
  };
  const residual = () => {
    const [uu, vv] = read();
    return {
      uu,
      vv,
      r: xtx(
        uu.map((x, i) => x * x - vv[i] * vv[i]),
        y,
      ),
    };
  };
  return {
    u,
    v,
    loss,
    gradient() {
      const { uu, vv, r } = residual();
      return [uu.map((x, i) => 2 * x * r[i]), vv.map((x, i) => -2 * x * r[i])];
    },
    hvp(a, c) {
      const { uu, vv, r } = residual();
      const dr = xtx(uu.map((x, i) => 2 * x * a[i] - 2 * vv[i] * c[i]));
      return [
        a.map((x, i) => 2 * x * r[i] + 2 * uu[i] * dr[i]),
        c.map((x, i) => -2 * x * r[i] - 2 * vv[i] * dr[i]),
      ];
    },
    dispose: () => tf.dispose([u, v, Xt, yt]),
  };
}

/** ‖a − b‖ / ‖b‖ over concatenated vectors. */
export function relativeError(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let num = 0;
  let den = 0;
  a.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      num += (x[i] - b[k][i]) ** 2;
      den += b[k][i] ** 2;
    }
  });
  return Math.sqrt(num / den);
}
