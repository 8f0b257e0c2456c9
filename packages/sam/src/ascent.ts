import * as tf from '@tensorflow/tfjs-core';
import { tidyGrads, tl, type Grads } from '@flatopt/core';

/** How the ascent ε̂ is formed from the gradient g. */
export interface AscentRule {
  /** ρ·g/‖g‖ (SAM) rather than ρ·g (unnormalized SAM). */
  normalize: boolean;
  /** ASAM's element-wise scaling T = |w| + eta on the variables `adaptiveOn` selects; T = 1 elsewhere. */
  adaptive: boolean;
  eta: number;
  adaptiveOn: (variable: tf.Variable) => boolean;
}

/** The ascent as `shift · scale` for `ctx.probe`, and its diagnostics as functions (for `ctx.record`). */
export interface Ascent {
  shift: Grads;
  scale: number | tf.Scalar;
  /** ‖ε̂‖, computed when called. */
  norm: () => tf.Scalar;
  /** ‖g‖, the plain gradient norm, computed when called. */
  gradNorm: () => tf.Scalar;
}

/**
 * The SAM-family ascent step ε̂ for gradient g and radius ρ (SCIENCE.md §2.4–2.5):
 * - SAM (Foret et al.):           ε̂ = ρ·g/‖g‖₂, the global L2 norm over all variables;
 * - unnormalized SAM:             ε̂ = ρ·g;
 * - ASAM (Kwon et al.):           ε̂ = ρ·T²g/‖Tg‖, T = diag(|w| + η) on weight tensors, 1 on the rest;
 * - unnormalized ASAM:            ε̂ = ρ·T²g.
 * A zero gradient gives ε̂ = 0 (no division by zero, no epsilon added to the norm), so the step
 * is then the wrapped optimizer's. Plain SAM costs what the hand-written ρ·g/‖g‖ costs (a Square
 * and a Sum per variable, AddN, Sqrt, RealDiv) plus one Maximum for the zero-gradient guard; the
 * norms are diagnostics, computed only when a report reads them.
 */
export function ascent(g: Grads, variables: readonly tf.Variable[], rho: number, rule: AscentRule): Ascent {
  // In half precision the shift may be g/max|g| and ‖g‖² may overflow: the diagnostic norms are
  // taken afresh there (as for ASAM, whose ‖ε̂‖ is not ρ), and ‖Tg‖² is not needed at all.
  const half = tl.halfPrecision();
  const fresh = rule.adaptive || half;
  const { shift, scale, normSq } = tidyGrads(() => {
    const t = rule.adaptive
      ? variables.map((v) => (rule.adaptiveOn(v) ? tf.add(tf.abs(v), rule.eta) : null))
      : null;
    // T²g and ‖Tg‖ (T = 1 where t is null).
    const shift = t ? g.map((x, i) => (x && t[i] ? tf.mul(tf.square(t[i]!), x) : x)) : [...g];
    const scaled = t ? g.map((x, i) => (x && t[i] ? tf.mul(t[i]!, x) : x)) : g;
    const normSq = (rule.normalize && !half) || !fresh ? tl.squaredNorm(scaled) : null;
    if (!rule.normalize) return { shift, scale: rho, normSq };
    // ρ·shift/‖scaled‖; in half precision both are divided by max|scaled| first (core's `sphere`).
    return { ...tl.sphere(shift, scaled, rho, () => normSq!, half), normSq };
  });
  // ‖ε̂‖ = scale·‖shift‖; for plain SAM in float32 that is scale·‖g‖ (= ρ), from the norm at hand.
  return {
    shift,
    scale,
    norm: () => tf.mul(fresh ? tl.globalNorm(shift) : tf.sqrt(normSq!), scale) as tf.Scalar,
    gradNorm: () => (fresh ? tl.globalNorm(g) : tf.sqrt(normSq!)) as tf.Scalar,
  };
}
