import * as tf from '@tensorflow/tfjs-core';
import { tidy } from './tfjs/tidy';
import { halfPrecision, scaledNorm } from './precision';

export { halfPrecision, radiusScale, scaledNorm, sphere, type Sphere } from './precision';

/**
 * Maths over lists of tensors aligned with a step's variables (optax's tree utilities, for the
 * flat lists tfjs optimizers use). `null` stands for "no gradient for this variable": it acts as
 * zero in sums and norms, and elementwise results stay `null` where every operand is `null`, so a
 * variable that had no gradient still reaches the wrapped optimizer as `null` and is skipped
 * exactly as tfjs skips it. Every function tidies its intermediates.
 */
export type TensorList = ReadonlyArray<tf.Tensor | null>;
export type Weight = number | tf.Scalar;

function checkAligned(a: TensorList, b: TensorList): void {
  if (a.length !== b.length) {
    throw new Error(`tensor lists are not aligned: lengths ${a.length} and ${b.length}`);
  }
}

/** Σᵢ ⟨aᵢ, bᵢ⟩ over all entries, as a scalar (0 when nothing pairs up). */
export function dot(a: TensorList, b: TensorList): tf.Scalar {
  checkAligned(a, b);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    a.forEach((x, i) => {
      const y = b[i];
      if (x && y) terms.push(tf.sum(tf.mul(x, y)));
    });
    return terms.length ? (tf.addN(terms) as tf.Scalar) : tf.scalar(0);
  });
}

/**
 * ‖a‖² = Σᵢ ‖aᵢ‖², the squared global L2 norm, as a plain sum of squares in every precision: its
 * gradient 2a (double backprop differentiates it) is then exact even where the value overflows,
 * as it does in half precision past ‖a‖ = 256. For a norm that must stay finite, `globalNorm`.
 */
export function squaredNorm(a: TensorList): tf.Scalar {
  return tf.tidy(() => {
    const terms = a.filter((x): x is tf.Tensor => x !== null).map((x) => tf.sum(tf.square(x)));
    return terms.length ? (tf.addN(terms) as tf.Scalar) : tf.scalar(0);
  });
}

/** ‖a‖, the global L2 norm over every tensor of the list (SAM's ‖g‖₂); `scaledNorm` in half precision. */
export function globalNorm(a: TensorList): tf.Scalar {
  if (halfPrecision()) return scaledNorm(a);
  return tf.tidy(() => tf.sqrt(squaredNorm(a)));
}

/** Applies `fn` to every non-null entry. */
export function map(a: TensorList, fn: (x: tf.Tensor, i: number) => tf.Tensor): Array<tf.Tensor | null> {
  return tidy(() => a.map((x, i) => (x ? fn(x, i) : null)));
}

/** s·a; with s exactly 1 the tensors themselves. */
export function scale(a: TensorList, s: Weight): Array<tf.Tensor | null> {
  return s === 1 ? [...a] : map(a, (x) => tf.mul(x, s));
}

/** w·x with numeric weights taken literally: 1 passes x through, 0 drops the term (null). */
function term(x: tf.Tensor | null, w: Weight): tf.Tensor | null {
  if (!x || w === 0) return null;
  return w === 1 ? x : tf.mul(x, w);
}

/**
 * wa·a + wb·b, the weighted combination every finite-difference method ends with. A numeric
 * weight of exactly 0 drops its term and exactly 1 uses the tensor as it is, so identities such
 * as "forward GR with γ = ε is the unnormalized-SAM gradient" hold bit for bit, and a 0-weighted
 * Inf cannot turn into NaN. Where both terms vanish the entry is null (no gradient).
 */
export function combine(wa: Weight, a: TensorList, wb: Weight, b: TensorList): Array<tf.Tensor | null> {
  checkAligned(a, b);
  return tidy(() =>
    a.map((x, i) => {
      const [p, q] = [term(x, wa), term(b[i], wb)];
      return p && q ? tf.add(p, q) : (p ?? q);
    }),
  );
}

/** a + s·b (axpy). With s = 1 this is exactly a + b. */
export function scaledAdd(a: TensorList, b: TensorList, s: Weight = 1): Array<tf.Tensor | null> {
  checkAligned(a, b);
  return tidy(() =>
    a.map((x, i) => {
      const y = b[i];
      if (!y) return x;
      const sy = s === 1 ? y : tf.mul(y, s);
      return x ? tf.add(x, sy) : sy;
    }),
  );
}

/** a + b. */
export function add(a: TensorList, b: TensorList): Array<tf.Tensor | null> {
  return scaledAdd(a, b, 1);
}

/** a − b. */
export function sub(a: TensorList, b: TensorList): Array<tf.Tensor | null> {
  return scaledAdd(a, b, -1);
}

/** a ⊙ b elementwise; `null` where either side is `null` (a product with zero). */
export function mul(a: TensorList, b: TensorList): Array<tf.Tensor | null> {
  checkAligned(a, b);
  return a.map((x, i) => {
    const y = b[i];
    return x && y ? tf.mul(x, y) : null;
  });
}

/** cos∠(a, b) = ⟨a, b⟩ / (‖a‖‖b‖), 0 when either list is zero. */
export function cosine(a: TensorList, b: TensorList): tf.Scalar {
  return tf.tidy(() => {
    const denom = tf.mul(globalNorm(a), globalNorm(b));
    const safe = tf.where(tf.greater(denom, 0), denom, tf.onesLike(denom));
    return tf.div(dot(a, b), safe) as tf.Scalar;
  });
}

/** Zeros shaped like each tensor of `like` (e.g. the variables). */
export function zerosLike(like: ReadonlyArray<tf.Tensor>): tf.Tensor[] {
  return like.map((x) => tf.zerosLike(x));
}
