import * as tf from '@tensorflow/tfjs-core';
import {
  definePlugin,
  option,
  tidyGrads,
  tl,
  valueAt,
  type Evaluation,
  type Grads,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';
import { ascent, type AscentRule } from './ascent';

const gsamSchema = {
  /**
   * Radius ρ_t of the ascent (≥ 0; a number or a schedule). The paper ties it to the learning rate,
   * ρ_t = ρ_min + (ρ_max − ρ_min)(lr_t − lr_min)/(lr_max − lr_min): `follow(lrSchedule, { min, max })`.
   */
  rho: option.hyperparameter({
    min: 0,
    hint: "a finite number ≥ 0 or a schedule; GSAM ties ρ to the learning rate: rho: follow(lrSchedule, { min: rhoMin, max: rhoMax }) with follow from '@flatopt/core' (the official ViT-B/32 ImageNet config: ρ from 0.6 down to 0.1).",
  }),
  /**
   * α ≥ 0, the weight of the surrogate-gap descent, d = ∇f_p − α·∇f_⊥; 0 is SAM exactly. Required:
   * the official settings range from 0.2 (CIFAR-10, ASAM ascent, ρ 2) to 0.6 (ViT-B/32 on ImageNet).
   */
  alpha: option.number({
    min: 0,
    hint: 'the weight α ≥ 0 of the surrogate-gap term (0 is SAM); the official code uses 0.2 on CIFAR-10 (with adaptive: true, rho 2) and 0.6 for ViT-B/32 on ImageNet — tune it on a validation split.',
  }),
  /** ASAM's ascent ε̂ = ρ·T²g/‖Tg‖, T = |w| + eta (Kwon et al. 2021), as sam's `adaptive`. Default false. */
  adaptive: option.boolean({ default: false }),
  /** ASAM's η in T = |w| + η (≥ 0). Default 0.01, as sam (official GSAM PyTorch code: η = 0, T on all variables). */
  eta: option.number({ default: 0.01, min: 0 }),
  /** Which variables ASAM scales: 'weights' (rank ≥ 2; default) or 'all'. As sam's. */
  adaptiveScope: option.oneOf(['weights', 'all'], { default: 'weights' }),
};

/** gsam's options: `rho` and `alpha` (required), the rest optional, plus `name` (default 'gsam'). */
export type GsamOptions = OptionsOf<typeof gsamSchema>;

/**
 * GSAM, surrogate gap guided sharpness-aware minimization (Zhuang, Gong, Yuan, Cui, Adam,
 * Dvornek, Tatikonda, Duncan & Liu, ICLR 2022), Algorithm 1: with the clean loss f, the perturbed
 * loss f_p(θ) = f(θ + ε̂) (ε̂ = ρ_t·∇f/‖∇f‖, SAM's ascent) and the surrogate gap h = f_p − f, it
 * decomposes ∇f into parts parallel and orthogonal to ∇f_p,
 *   ∇f_∥ = (⟨∇f, ∇f_p⟩/‖∇f_p‖²)·∇f_p,   ∇f_⊥ = ∇f − ∇f_∥,
 * and hands the wrapped optimizer d = ∇f_p − α·∇f_⊥: descending f_p, and, along −∇f_⊥, which
 * leaves f_p unchanged to first order, descending h (h's gradient there is −∇f_⊥).
 *
 * ```ts
 * import { follow, warmupCosine, withPlugins } from '@flatopt/core';
 * import { learningRate } from '@flatopt/transforms';
 * import { gsam } from '@flatopt/sam';
 *
 * const lr = warmupCosine({ peak: 1e-3, warmup: 500, total: 20000 });
 * const optimizer = withPlugins(
 *   tf.train.adam(1e-3),
 *   learningRate({ schedule: lr }),
 *   gsam({ rho: follow(lr, { min: 0.01, max: 0.05 }), alpha: 0.3 }), // ρ_t rises and falls with lr_t
 * );
 * ```
 *
 * Costs 2 gradient evaluations, as SAM, plus two global reductions (⟨∇f, ∇f_p⟩, ‖∇f_p‖²) and an
 * axpy per variable; 1 with ρ = 0 (then ∇f_p = ∇f, ∇f_⊥ = 0: the wrapped optimizer exactly). α = 0
 * is `sam` with the same ρ, bit for bit. The official code adds 1e-12 to the norms; here
 * ‖∇f_p‖² is floored instead (as sam's ascent is), so ∇f_p = 0 makes no NaN: its projection is then
 * 0 and d = −α·∇f, as the official code gives (f_p is stationary, so only the gap is descended). In
 * half precision the projection is taken on ∇f_p/max|∇f_p|, so ‖∇f_p‖² cannot overflow. Records
 * `gradNorm` ‖∇f‖, `ascentNorm` ‖ε̂‖, `perturbedLoss` f_p, `surrogateGap` h = f_p − f (sam's
 * `sharpness`) and `cosine` cos∠(∇f, ∇f_p).
 */
export const gsam: (options: GsamOptions) => Plugin = definePlugin({
  type: 'gsam',
  options: gsamSchema,
  create({ rho, alpha, adaptive, eta, adaptiveScope }) {
    const rule: AscentRule = {
      normalize: true,
      adaptive,
      eta,
      adaptiveOn: adaptiveScope === 'all' ? () => true : (v) => v.rank >= 2,
    };
    return {
      evaluate(ctx: StepContext, next: () => Evaluation): Evaluation {
        const r = valueAt(rho, ctx.iteration);
        if (r === 0) return next();
        const here = next();
        const a = ascent(here.grads, ctx.variables, r, rule);
        ctx.record('gradNorm', a.gradNorm);
        ctx.record('ascentNorm', a.norm);
        const there = ctx.probe(a.shift, a.scale, next);
        ctx.record('perturbedLoss', there.loss);
        ctx.record('surrogateGap', () => tf.sub(there.loss, here.loss) as tf.Scalar);
        ctx.record('cosine', () => tl.cosine(here.grads, there.grads));
        const grads = alpha === 0 ? there.grads : surrogateGapDirection(here.grads, there.grads, alpha);
        return { ...there, grads, loss: here.loss, perExample: here.perExample };
      },
    };
  },
});

/** float32's smallest normal number: the floor of ‖g_p‖², as in core's `radiusScale`. */
const SMALLEST_NORMAL = 2 ** -126;

/**
 * d = g_p − α·(g − (⟨g, g_p⟩/‖g_p‖²)·g_p), GSAM's update direction from the clean gradient g and
 * the perturbed one g_p. In float32 it is d = (1 + α·k)·g_p − α·g with k = ⟨g, g_p⟩/‖g_p‖², the
 * denominator floored at the smallest normal number so that g_p = 0 gives k = 0 and d = −α·g.
 * In half precision ‖g_p‖² overflows past 256, so the projection is taken on u = g_p/max|g_p|
 * (core's `sphere` of radius 1: u·s = g_p/‖g_p‖): d = g_p − α·g + α·s²·⟨g, u⟩·u. `half` chooses
 * the form (default: whether the backend computes in half precision), so tests can run both.
 */
export function surrogateGapDirection(g: Grads, gp: Grads, alpha: number, half = tl.halfPrecision()): Grads {
  return tidyGrads(() => {
    if (!half) {
      const k = tf.div(tl.dot(g, gp), tf.maximum(tl.squaredNorm(gp), SMALLEST_NORMAL));
      return tl.combine(tf.add(1, tf.mul(k, alpha)) as tf.Scalar, gp, -alpha, g);
    }
    const unit = tl.sphere(gp, gp, 1, () => tl.squaredNorm(gp), true);
    const k = tf.mul(tf.square(unit.scale), tl.dot(g, unit.shift));
    return tl.scaledAdd(tl.combine(1, gp, -alpha, g), unit.shift, tf.mul(k, alpha) as tf.Scalar);
  });
}
