import * as tf from '@tensorflow/tfjs-core';
import type { TensorList, Weight } from './tensor-list';
import { tidy } from './tfjs/tidy';

/**
 * Norms that survive half precision. WebGL without float32 render targets (most mobile GPUs, or
 * `WEBGL_FORCE_F16_TEXTURES`) stores every intermediate tensor in float16: largest finite value
 * 65504, smallest normal 6.1e-5. A sum of squares then overflows once a norm passes 256 and
 * underflows to 0 below 0.0078, and SAM's ρ·g/‖g‖ becomes 0 (a silent plain step) or r/0·0 = NaN.
 * On such a backend the norm is taken the way LAPACK's `nrm2` avoids overflow: the list is first
 * divided by its largest magnitude s, so every square lies in [0, 1], and squares are averaged
 * rather than summed: ‖a‖ = s·√(Σᵢ (nᵢ/n)·mean(aᵢ/s)²)·√n. On float32 backends nothing changes.
 */

/**
 * Whether the current backend stores float tensors in half precision. tfjs' `floatPrecision()`
 * says so, except on WebGL with float32 rendering enabled, where it answers 16 although textures
 * are float32 (its underflow check runs only when float32 rendering is off): measured in the
 * browser lane, and believing it made every WebGL step take the half-precision path.
 */
export function halfPrecision(): boolean {
  if (tf.getBackend() === 'webgl' && tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return false;
  return tf.backend().floatPrecision() === 16;
}

function present(a: TensorList): tf.Tensor[] {
  return a.filter((x): x is tf.Tensor => x !== null);
}

/** max |aᵢ| over the whole list, replaced by 1 where it is 0 (an all-zero list divides to zeros). */
function largestMagnitude(xs: readonly tf.Tensor[]): tf.Scalar {
  const maxima = xs.map((x) => tf.max(tf.abs(x)));
  const s = maxima.length === 1 ? maxima[0] : tf.max(tf.stack(maxima));
  return tf.where(tf.greater(s, 0), s, tf.onesLike(s)) as tf.Scalar;
}

/** √(Σᵢ (nᵢ/n)·mean(uᵢ²)), the root mean square of the list `us` (n entries in all). */
function rootMeanSquare(us: readonly tf.Tensor[], n: number): tf.Scalar {
  return tf.sqrt(tf.addN(us.map((u) => tf.mul(tf.mean(tf.square(u)), u.size / n)))) as tf.Scalar;
}

function sizeOf(xs: readonly tf.Tensor[]): number {
  return xs.reduce((total, x) => total + x.size, 0);
}

/** s = max|xs| (1 for an all-zero list) and ‖xs/s‖ = rms(xs/s)·√n, which lies in [1, √n] unless xs is all zero. */
function unitNorm(xs: readonly tf.Tensor[]): { s: tf.Scalar; norm: tf.Scalar } {
  const s = largestMagnitude(xs);
  const n = sizeOf(xs);
  const rms = rootMeanSquare(
    xs.map((x) => tf.div(x, s)),
    n,
  );
  return { s, norm: tf.mul(rms, Math.sqrt(n)) as tf.Scalar };
}

/**
 * ‖a‖ computed without squaring a's own magnitude: s·‖a/s‖ with s = max|a|. Finite whenever
 * ‖a‖ is (also beyond float32's 1.8e19, where Σa² overflows), and 0 for an all-zero list. Costs
 * an Abs and a Max per tensor and a RealDiv more than `tl.globalNorm`.
 */
export function scaledNorm(a: TensorList): tf.Scalar {
  return tf.tidy(() => {
    const xs = present(a);
    if (xs.length === 0) return tf.scalar(0);
    const { s, norm } = unitNorm(xs);
    return tf.mul(norm, s) as tf.Scalar;
  });
}

/** A perturbation as `ctx.probe` takes it: the shift is multiplied by scale and added to the weights. */
export interface Sphere {
  shift: Array<tf.Tensor | null>;
  scale: tf.Scalar;
}

/**
 * `shift·radius/‖normed‖` as a (shift, scale) pair, the radius-r step every normalized
 * finite-difference method takes (SAM's ρ·g/‖g‖ is `sphere(g, g, ρ)`; ASAM's ρ·T²g/‖Tg‖ is
 * `sphere(T²g, Tg, ρ)`). On float32 backends this is `{ shift, scale: radiusScale(‖normed‖², r) }`
 * with the given `normSq`, bit for bit what it was. In half precision both lists are first divided
 * by s = max|normed|, which leaves the step unchanged and keeps ‖normed/s‖ in [1, √n], so neither
 * the norm nor the scale can overflow or vanish; a zero list gives a zero step.
 */
export function sphere(
  shift: TensorList,
  normed: TensorList,
  radius: Weight,
  normSq: () => tf.Scalar,
  half = halfPrecision(),
): Sphere {
  if (!half) return { shift: [...shift], scale: radiusScale(normSq(), radius) };
  return tidy(() => {
    const xs = present(normed);
    if (xs.length === 0) return { shift: [...shift], scale: tf.scalar(0) };
    const { s, norm } = unitNorm(xs);
    // ‖normed/s‖ ≥ 1 unless the list is all zeros, where the shift is zero too.
    const scale = tf.div(radius, tf.maximum(norm, 1)) as tf.Scalar;
    return { shift: shift.map((x) => (x ? tf.div(x, s) : null)), scale };
  });
}

/** float32's smallest normal number, the floor of ‖a‖² in `radiusScale`. */
const SMALLEST_NORMAL = 2 ** -126;

/**
 * r/‖a‖ from ‖a‖², the scale that puts a list on the sphere of radius r (SAM's ρ·g/‖g‖), with no
 * additive epsilon: ‖a‖² is floored at float32's smallest normal number instead, so the scale is
 * r/‖a‖ bit for bit wherever ‖a‖² is a normal number and finite (r·2⁶³) where it is 0. Multiplied
 * by the list, a zero list stays exactly zero and no NaN appears in any float precision that has
 * float32's range; in half precision use `sphere`. Three kernels (Maximum, Sqrt, RealDiv): one
 * more than the unguarded r/‖a‖.
 */
export function radiusScale(normSq: tf.Scalar, radius: Weight): tf.Scalar {
  return tf.tidy(() => tf.div(radius, tf.sqrt(tf.maximum(normSq, SMALLEST_NORMAL)))) as tf.Scalar;
}

/**
 * ‖(after − before) − intended‖ / ‖intended‖: the share of a perturbation that rounding lost when
 * it was added to the weights (0 when it arrived exactly, 1 when the weights did not move; 0 for a
 * zero perturbation). In float16 a weight w moves only by multiples of about |w|·2⁻¹¹, so a
 * finite-difference step much smaller than that vanishes. Norms as in `scaledNorm`.
 */
export function lostFraction(before: TensorList, after: TensorList, intended: TensorList): tf.Scalar {
  return tf.tidy(() => {
    const error = intended.map((d, i) => (d ? tf.sub(tf.sub(after[i]!, before[i]!), d) : null));
    const size = scaledNorm(intended);
    const safe = tf.where(tf.greater(size, 0), size, tf.onesLike(size));
    return tf.div(scaledNorm(error), safe) as tf.Scalar;
  });
}
