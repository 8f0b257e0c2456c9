import * as tf from '@tensorflow/tfjs-core';
import { tl, type Evaluation, type Grads, type StepContext } from '@flatopt/core';

export type FiniteDifferenceMethod = 'forward' | 'backward' | 'central';
export type Penalty = 'squared' | 'norm';

/**
 * Gradient regularization by finite differences (Karakida et al. 2023, SCIENCE.md §2.2–2.3),
 * every extra gradient on the same minibatch, weights restored bit for bit by `ctx.probe`:
 *
 * - squared penalty (γ/2)·‖∇L‖², ascent ε·g (not normalized), w = γ/ε:
 *   forward  G = (1 − w)·g + w·∇L(θ + ε·g)                       (2 gradient evaluations)
 *   backward G = (1 + w)·g − w·∇L(θ − ε·g)  (= forward with −ε)   (2)
 *   central  G = g + (w/2)·[∇L(θ + ε·g) − ∇L(θ − ε·g)]            (3; error O(ε²) instead of O(ε))
 * - norm penalty λ·‖∇L‖ (Zhao et al. 2022), ascent of radius r = ε along g/‖g‖, w = α = λ/r: the
 *   same three formulas with ε·g replaced by r·g/‖g‖ (0 when g = 0, so a zero gradient stays 0).
 *
 * With γ = 0 (λ = 0) the step is the wrapped optimizer's, and no probe is made.
 */
export function finiteDifference(
  ctx: StepContext,
  next: () => Evaluation,
  method: FiniteDifferenceMethod,
  penalty: Penalty,
  strength: number,
  epsilon: number,
): Evaluation {
  const first = next();
  const g = first.grads;
  // ‖g‖²: the norm penalty's ascent needs it; the squared penalty only for diagnostics, which
  // are computed when a report reads them. Made at most once either way.
  let normSq: tf.Scalar | undefined;
  const normSqOfG = () => (normSq ??= tl.squaredNorm(g));
  ctx.record('gradNormSq', normSqOfG);
  ctx.record('penalty', () => penaltyValue(penalty, strength, normSqOfG()));
  if (strength === 0) return first;
  const w = strength / epsilon;
  // The norm penalty's r·g/‖g‖ through core's `sphere`, which keeps it finite in half precision.
  const { shift, scale } =
    penalty === 'squared' ? { shift: g, scale: epsilon } : tl.sphere(g, g, epsilon, normSqOfG);
  if (method === 'central') {
    const up = ctx.probe(shift, scale, next);
    const down = ctx.probe(shift, negate(scale), next);
    ctx.record('cosine', () => cosineGiven(normSqOfG(), g, up.grads));
    return { ...first, grads: tl.add(g, tl.combine(w / 2, up.grads, -w / 2, down.grads)) };
  }
  const sign = method === 'forward' ? 1 : -1;
  const other = ctx.probe(shift, sign === 1 ? scale : negate(scale), next);
  ctx.record('cosine', () => cosineGiven(normSqOfG(), g, other.grads));
  return { ...first, grads: tl.combine(1 - sign * w, g, sign * w, other.grads) };
}

/** (γ/2)·‖g‖² or λ·‖g‖. */
export function penaltyValue(penalty: Penalty, strength: number, normSq: tf.Scalar): tf.Scalar {
  return tf.tidy(() =>
    penalty === 'squared' ? tf.mul(normSq, strength / 2) : tf.mul(tf.sqrt(normSq), strength),
  ) as tf.Scalar;
}

/** float32's smallest normal number. */
const SMALLEST_NORMAL = 2 ** -126;

/**
 * cos∠(a, b) reusing ‖a‖² already computed (one pass fewer over every parameter); 0 if either is
 * 0. The product of the squared norms is floored at float32's smallest normal number rather than
 * tested (4 scalar kernels instead of 9): ⟨a, b⟩ is 0 wherever the floor applies to a zero list.
 */
export function cosineGiven(normSqA: tf.Scalar, a: Grads, b: Grads): tf.Scalar {
  return tf.tidy(() =>
    tf.div(tl.dot(a, b), tf.sqrt(tf.maximum(tf.mul(normSqA, tl.squaredNorm(b)), SMALLEST_NORMAL))),
  ) as tf.Scalar;
}

function negate(scale: number | tf.Scalar): number | tf.Scalar {
  return typeof scale === 'number' ? -scale : (tf.neg(scale) as tf.Scalar);
}
