import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError, tl } from '@flatopt/core';

/**
 * The maths of weight normalization (Salimans & Kingma, "Weight Normalization: A Simple
 * Reparameterization to Accelerate Training of Deep Neural Networks", NeurIPS 2016), shared by
 * the optimizer plugin and the layer wrapper. A weight w is written in polar form
 *
 *     w = g · v / ‖v‖,
 *
 * with the norm taken over the "norm axes" (all but the output axis: one radius g per output unit)
 * and g kept with those axes as size 1, so it broadcasts. ‖v‖ is floored at `epsilon`
 * (`sqrt(max(Σv², ε²))`), so v = 0 gives w = 0 and finite gradients instead of NaN (flax#1671); the
 * floor is written with `max` inside the square root because the gradient of `sqrt` at 0 is infinite.
 */

/** Which axes the norm runs over: `'output'` (all but the last), `'all'` (whole tensor), or explicit axes. */
export type NormAxes = 'output' | 'all' | readonly number[];

/** Default floor on ‖v‖. */
export const DEFAULT_EPSILON = 1e-6;

/** Type-checks an `axes` option; its range depends on the variable's rank and is checked by `resolveAxes`. */
export function checkAxes(owner: string, axes: unknown): NormAxes {
  const ok =
    axes === 'output' ||
    axes === 'all' ||
    (Array.isArray(axes) && axes.length > 0 && axes.every((a) => Number.isInteger(a)));
  if (!ok) {
    throw new FlatoptError(
      `${owner}: option 'axes' must be 'output', 'all' or a non-empty array of integer axes; got ${JSON.stringify(axes) ?? String(axes)}.`,
    );
  }
  return axes as NormAxes;
}

/** Resolves `axes` for a variable of the given shape to sorted, non-negative axis numbers. */
export function resolveAxes(owner: string, name: string, shape: readonly number[], axes: NormAxes): number[] {
  const rank = shape.length;
  if (rank === 0) {
    throw new FlatoptError(
      `${owner}: variable '${name}' is a scalar; weight normalization needs a vector or larger (w = g·v/‖v‖ of a scalar is only its sign).`,
    );
  }
  if (axes === 'all') return [...Array(rank).keys()];
  if (axes === 'output') {
    if (rank === 1) {
      throw new FlatoptError(
        `${owner}: variable '${name}' has rank 1, so option 'axes' 'output' (all but the last axis) would normalize each element on its own; pass axes: 'all' to normalize the whole vector.`,
      );
    }
    return [...Array(rank - 1).keys()];
  }
  const out = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new FlatoptError(
        `${owner}: option 'axes' has axis ${a}, out of range for variable '${name}' of shape [${shape.join(', ')}] (allowed: integers in [${-rank}, ${rank - 1}]).`,
      );
    }
    out.add(a < 0 ? a + rank : a);
  }
  if (out.size === 0) {
    throw new FlatoptError(
      `${owner}: option 'axes' must name at least one axis; got [] for variable '${name}'.`,
    );
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Sums over the norm axes (kept as size 1: g's shape) and scalings by a tensor of g's shape, in
 * the formulation that is cheapest on the active backend; each is one kernel where it can be, as
 * on tfjs-node and WebGL a kernel call has a fixed cost (17–40 µs on tfjs-node) whatever its size.
 * - Scalings are a broadcasting `tf.mul`, except on the pure-JS 'cpu' backend, where multiplying a
 *   [784, 256] matrix by a broadcast row took 51 ms against 1 ms for the matching matMul with a
 *   ones vector and 2.5 ms for an elementwise multiply (measured; it made the plugin's step 1.7×
 *   a plain one): there the row is first spread to the matrix by that matMul.
 * - Column sums of a matrix [M, N] over axis 0 (a Dense kernel per output unit) are a product
 *   with a ones row on every backend: one kernel like `tf.sum`, and faster (on tfjs-node 152 µs
 *   against 245 µs for [784, 256]; cpu 1 ms against 16 ms). Other leading norm axes (Conv kernels,
 *   or the whole tensor) take the same product after reshapes on 'cpu' only, and `tf.sum`
 *   elsewhere, as do norm axes that do not lead.
 * The two ways of summing round differently, so backends agree to rounding, not bit for bit;
 * each always takes the same one.
 */
interface Reducer {
  readonly axes: readonly number[];
  sum(x: tf.Tensor): tf.Tensor;
  scale(x: tf.Tensor, r: tf.Tensor): tf.Tensor;
}

/** Backends on which a broadcasting multiply or an axis sum is slow next to a matMul. */
const MATMUL_BACKENDS = new Set(['cpu']);

function reducer(shape: readonly number[], axes: number[]): Reducer {
  const leading = axes.every((a, i) => a === i);
  const matrix = shape.length === 2 && axes.length === 1 && axes[0] === 0;
  const cpu = MATMUL_BACKENDS.has(tf.getBackend());
  const broadcast = {
    axes,
    sum: (x: tf.Tensor) => tf.sum(x, axes, true),
    scale: (x: tf.Tensor, r: tf.Tensor) => tf.mul(x, r),
  };
  if (!leading || (!cpu && !matrix)) return broadcast;
  const m = shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  const n = shape.slice(axes.length).reduce((a, b) => a * b, 1);
  const kept = shape.map((d, i) => (i < axes.length ? 1 : d));
  const as = (x: tf.Tensor, to: readonly number[]) => (matrix ? x : tf.reshape(x, [...to]));
  const sum = (x: tf.Tensor) => as(tf.matMul(tf.ones([1, m]), as(x, [m, n])), kept);
  if (!cpu) return { axes, sum, scale: broadcast.scale };
  return {
    axes,
    sum,
    scale: (x, r) => as(tf.mul(as(x, [m, n]), tf.matMul(tf.ones([m, 1]), as(r, [1, n]))), shape),
  };
}

/** ‖v‖ over `axes` with those axes kept, floored at `epsilon`: `sqrt(max(Σv², ε²))`. */
export function norm(v: tf.Tensor, axes: number[], epsilon: number): tf.Tensor {
  return tf.tidy(() => normWith(reducer(v.shape, axes), v, epsilon));
}

function normWith(r: Reducer, v: tf.Tensor, epsilon: number): tf.Tensor {
  if (tl.halfPrecision()) return tf.maximum(halfNorm(r, v), epsilon);
  return tf.sqrt(tf.maximum(r.sum(tf.square(v)), epsilon * epsilon));
}

/**
 * ‖v‖ over the norm axes in half precision (float16 WebGL), where Σv² overflows past 65504 (a
 * norm of 256) and each v² underflows below 6e-5: m·‖v/m‖ with m = max|v| per slice (1 where the
 * slice is zero), so every square lies in [0, 1]. See core's precision.ts.
 */
function halfNorm(r: Reducer, v: tf.Tensor): tf.Tensor {
  const m = tf.max(tf.abs(v), [...r.axes], true);
  const safe = tf.where(tf.greater(m, 0), m, tf.onesLike(m));
  return tf.mul(tf.sqrt(r.sum(tf.square(tf.div(v, safe)))), safe);
}

/** w = g·v/‖v‖. */
export function compose(g: tf.Tensor, v: tf.Tensor, axes: number[], epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const r = reducer(v.shape, axes);
    return r.scale(v, tf.div(g, normWith(r, v, epsilon)));
  });
}

/**
 * w = g·v/‖v‖ together with ‖v‖ (floored at `epsilon`), for a caller that keeps the norm: the
 * weightNorm plugin's next pullback needs ‖v‖ of this same v, and computing it again costs a
 * Square and a sum over the whole weight (4 of the plugin's 10 passes over a weight on tfjs-node).
 */
export function composeKeepingNorm(
  g: tf.Tensor,
  v: tf.Tensor,
  axes: number[],
  epsilon: number,
): { w: tf.Tensor; norm: tf.Tensor } {
  return tf.tidy(() => {
    const r = reducer(v.shape, axes);
    const norm = normWith(r, v, epsilon);
    return { w: r.scale(v, tf.div(g, norm)), norm };
  });
}

/** The polar coordinates of w with the function unchanged: g = ‖w‖, v = w. */
export function polarOf(w: tf.Tensor, axes: number[]): { g: tf.Tensor; v: tf.Tensor } {
  const r = reducer(w.shape, axes);
  const g = tf.tidy(() => (tl.halfPrecision() ? halfNorm(r, w) : tf.sqrt(r.sum(tf.square(w)))));
  return { g, v: tf.clone(w) };
}

/**
 * Salimans & Kingma's gradients of the loss in polar coordinates, from G = ∂L/∂w:
 *
 *     ∂L/∂g = Σ_axes G ⊙ v/‖v‖,
 *     ∂L/∂v = (g/‖v‖) · (I − w·wᵀ/‖w‖²) G = (g/‖v‖) · (G − v·∂L/∂g/‖v‖),
 *
 * per output unit (w ∥ v, so projecting out w is projecting out v/‖v‖). `knownNorm` is ‖v‖ as
 * `composeKeepingNorm` returned it for this same v, if the caller kept it. ∂L/∂v ⊥ v, which is why
 * plain gradient descent on v grows ‖v‖² by exactly η²‖∂L/∂v‖² each step (SCIENCE.md §2.8).
 */
export function pullback(
  G: tf.Tensor,
  g: tf.Tensor,
  v: tf.Tensor,
  axes: number[],
  epsilon: number,
  knownNorm?: tf.Tensor,
): { g: tf.Tensor; v: tf.Tensor } {
  return tf.tidy(() => {
    const r = reducer(v.shape, axes);
    const n = knownNorm ?? normWith(r, v, epsilon);
    const dg = tf.div(r.sum(tf.mul(G, v)), n);
    const dv = r.scale(tf.sub(G, r.scale(v, tf.div(dg, n))), tf.div(g, n));
    return { g: dg, v: dv };
  });
}
