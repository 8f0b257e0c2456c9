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

const clipByGlobalNormSchema = {
  /**
   * The largest global L2 norm ‖g‖ the gradient may keep (> 0; a number or a schedule over
   * steps). Required: it depends on the model and the loss; log `gradNorm` for a few hundred steps
   * of unclipped training and pick a value near its typical size (1.0 is a common start).
   */
  maxNorm: option.hyperparameter({
    min: 0,
    exclusiveMin: true,
    hint: 'the largest global gradient norm, a finite number > 0 or a schedule, e.g. clipByGlobalNorm({ maxNorm: 1 }).',
  }),
};

/** clipByGlobalNorm's options: `maxNorm` (required) and `name` (default 'clipByGlobalNorm'). */
export type ClipByGlobalNormOptions = OptionsOf<typeof clipByGlobalNormSchema>;

const clipByValueSchema = {
  /** Each gradient entry is clipped into [−limit, limit] (> 0; a number or a schedule). Required. */
  limit: option.hyperparameter({
    min: 0,
    exclusiveMin: true,
    hint: 'the largest magnitude of a gradient entry, a finite number > 0 or a schedule, e.g. clipByValue({ limit: 1 }).',
  }),
};

/** clipByValue's options: `limit` (required) and `name` (default 'clipByValue'). */
export type ClipByValueOptions = OptionsOf<typeof clipByValueSchema>;

/**
 * g·maxNorm/max(‖g‖, maxNorm), and the two scalars it came from. Below the limit the scale is
 * maxNorm/maxNorm = 1 exactly, and a product with exactly 1 is the identity in IEEE arithmetic, so
 * an unclipped gradient passes bit for bit; ‖g‖ = 0 gives 1 too (no NaN). Written as a quotient
 * that never exceeds 1, rather than min(1, maxNorm/‖g‖): that quotient overflows float16 (WebGL
 * without float32 textures) whenever maxNorm/‖g‖ > 65504, and the f16 lane measured a neutral
 * maxNorm then changing the update. There a maxNorm above float16's largest value, 65504, is taken
 * as 65504 (a norm above it is ∞ in float16 and scales the gradient to 0). Chosen over optax's `where(‖g‖ < max, g, g/‖g‖·max)` because
 * it needs one Multiply per variable instead of a Multiply and a Select.
 */
/** The largest finite float16. */
const F16_MAX = 65504;

function scaleToNorm(grads: Grads, maxNorm: number): { grads: Grads; norm: tf.Scalar; scale: tf.Scalar } {
  return tidyGrads(() => {
    const norm = tl.globalNorm(grads);
    // float16 holds at most 65504: a larger maxNorm would become ∞ on the device, and ∞/∞ is NaN.
    const limit = tf.scalar(tl.halfPrecision() ? Math.min(maxNorm, F16_MAX) : maxNorm);
    const scale = tf.div(limit, tf.maximum(norm, limit)) as tf.Scalar;
    return { grads: grads.map((g) => (g ? tf.mul(g, scale) : null)), norm, scale };
  });
}

/**
 * Gradient clipping by global norm (Pascanu, Mikolov & Bengio, "On the difficulty of training
 * recurrent neural networks", ICML 2013; TensorFlow's `tf.clip_by_global_norm`, optax's
 * `clip_by_global_norm`):
 *
 *     g ← g · maxNorm/‖g‖   when ‖g‖ > maxNorm,   g unchanged otherwise,
 *
 * with ‖g‖ = √(Σᵢ ‖gᵢ‖²) the L2 norm over every variable's gradient together (variables without a
 * gradient count as zero and stay without one), so the direction of the update is kept and only
 * its length is capped. Below the limit (and at it) the gradient passes bit for bit. PyTorch's
 * `clip_grad_norm_` differs slightly: its scale is min(1, maxNorm/(‖g‖ + 1e-6)), so a clipped
 * gradient ends a little below maxNorm and one within 1e-6 under the limit is scaled too; no 1e-6
 * is added here. The choice is made on the device, with no read: the scale is min(1, maxNorm/‖g‖).
 *
 * An evaluate-stage plugin: it clips the gradient of the evaluation `next()` returns, and the
 * loss and per-example losses pass through. Where it stands in the stack decides what it clips:
 *
 * - `withPlugins(opt, clipByGlobalNorm(...), sam(...))` — outside SAM: clips the final update
 *   gradient G = ∇L(θ + ε̂) once, after SAM has made its ascent from the unclipped g.
 * - `withPlugins(opt, sam(...), clipByGlobalNorm(...))` — inside SAM: clips every gradient SAM's
 *   evaluation sees, both the ascent gradient g at θ and the descent gradient ∇L(θ + ε̂) that is
 *   applied. Clipping by norm only rescales g, so SAM's ε̂ = ρ·g/‖g‖ (and ASAM's ρ·T²g/‖Tg‖) is
 *   unchanged and the applied gradient is the same as outside, but unnormalized SAM's ε̂ = ρ·g
 *   shrinks with g.
 * - The same holds for finite-difference gradient regularization (`gradReg`): outside, the
 *   combined G = (1 − γ/ε)·g + (γ/ε)·∇L(θ + ε·g) is clipped; inside, g (which also sets the
 *   probe ε·g) and ∇L(θ + ε·g) are each clipped before they are combined.
 *
 * `minimize`, `step`, `stepAsync`, `computeGradients` and `model.fit` clip. A user who computes
 * gradients elsewhere and calls `applyGradients` directly bypasses the evaluate stage, so no
 * clipping happens there. With `accumulate` (an apply-stage plugin) each micro-batch's gradient
 * is clipped before the mean is taken (optax's `MultiSteps` around a clipping chain clips the
 * mean instead).
 *
 * Records, from the step's primary evaluation (the first one, at the current weights; outside
 * SAM or GR that is the only one this plugin sees, inside it is the gradient at θ, not at θ + ε̂):
 * `gradNorm` ‖g‖ before clipping and `clipped`, 1 when the gradient was scaled down and 0 when
 * not. Cost: Square and Sum per variable, AddN and Sqrt (the norm), Maximum and RealDiv, and a
 * Multiply per variable; `clipped` adds kernels only when a report reads it.
 *
 * Non-finite values: an entry that is Inf or NaN makes ‖g‖ non-finite and the result keeps a
 * non-finite entry (Inf·0 = NaN), so the optimizer's non-finite policy still sees it. In float32
 * a gradient whose entries are finite but whose Σg² overflows (‖g‖ > 1.8e19) is scaled to zero,
 * as optax and PyTorch do (TensorFlow returns NaN instead). In half precision (WebGL without
 * float32 textures) the norm is taken without overflow (`tl.globalNorm`); maxNorm must then lie
 * within float16's range.
 */
export const clipByGlobalNorm: (options: ClipByGlobalNormOptions) => Plugin = definePlugin({
  type: 'clipByGlobalNorm',
  options: clipByGlobalNormSchema,
  create: ({ maxNorm }) => ({
    evaluate(ctx: StepContext, next: () => Evaluation): Evaluation {
      const ev = next();
      const { grads, norm, scale } = scaleToNorm(ev.grads, valueAt(maxNorm, ctx.iteration));
      if (ctx.primary) {
        ctx.record('gradNorm', norm);
        ctx.record('clipped', () => tf.cast(tf.less(scale, 1), 'float32') as tf.Scalar);
      }
      return { ...ev, grads };
    },
  }),
});

/**
 * Every gradient clipped into [−limit, limit] by tfjs' ClipByValue kernel, one per variable, as
 * hand-written clipping would: Maximum and Minimum against a scalar take a slow broadcasting path
 * on wasm and cpu (measured on a 784×256 gradient, tfjs 4.22: 5.5 ms against 0.57 ms for
 * ClipByValue on wasm, 11.0 against 2.4 ms on cpu). ClipByValue keeps NaN on cpu, webgl and
 * tfjs-node, but the wasm kernel turns NaN into the limit, which would hide a non-finite gradient
 * from the optimizer's non-finite check. On wasm a Sum per variable (a reduction, 0.22 ms there)
 * finds a NaN anywhere, and the smallest clipped gradient is multiplied by 1 — exactly itself — or
 * by NaN when one was found (also when the entries hold both +∞ and −∞, whose sum is NaN).
 */
function clipAll(grads: Grads, limit: number): Grads {
  const present = grads.flatMap((g, i) => (g ? [i] : []));
  if (present.length === 0) return grads;
  return tidyGrads(() => {
    const out = grads.map((g) => (g ? tf.clipByValue(g, -limit, limit) : null));
    if (tf.getBackend() !== 'wasm') return out;
    const total =
      present.length === 1 ? tf.sum(grads[present[0]]!) : tf.addN(present.map((i) => tf.sum(grads[i]!)));
    const keep = tf.where(tf.isNaN(total), tf.scalar(NaN), tf.scalar(1));
    const smallest = present.reduce((a, i) => (grads[i]!.size < grads[a]!.size ? i : a));
    out[smallest] = tf.mul(out[smallest]!, keep);
    return out;
  });
}

/**
 * Gradient clipping by value (optax's `clip`, PyTorch's `clip_grad_value_`, Keras' `clipvalue`):
 * every gradient entry is clipped into [−limit, limit], g ← min(max(g, −limit), limit). Unlike
 * clipping by global norm this changes the direction of g. Entries inside the range pass bit for
 * bit; variables without a gradient stay without one. A NaN entry leaves the gradient non-finite
 * (on wasm the smallest variable's clipped gradient becomes NaN), so the optimizer's non-finite
 * policy still sees it; ±∞ entries are clipped to ±limit, as PyTorch, optax and Keras clip them.
 * One ClipByValue kernel per variable, the cost of clipping by hand (on wasm a Sum more).
 *
 * An evaluate-stage plugin; placement works as for {@link clipByGlobalNorm}:
 * `withPlugins(opt, clipByValue(...), sam(...))` clips only the applied gradient ∇L(θ + ε̂);
 * `withPlugins(opt, sam(...), clipByValue(...))` clips the ascent gradient g too, which here
 * does change the direction of SAM's ε̂ = ρ·clip(g)/‖clip(g)‖. Likewise inside or outside
 * `gradReg`. `applyGradients` called directly with gradients made elsewhere is not clipped.
 *
 * Records nothing: a count or a maximum of the clipped entries costs passes over every gradient,
 * which on WebGL and tfjs-node, where a step costs its number of kernels, would be most of the
 * plugin's cost (clipByGlobalNorm's `gradNorm` is the diagnostic for tuning a limit).
 */
export const clipByValue: (options: ClipByValueOptions) => Plugin = definePlugin({
  type: 'clipByValue',
  options: clipByValueSchema,
  create: ({ limit }) => ({
    evaluate(ctx: StepContext, next: () => Evaluation): Evaluation {
      const ev = next();
      return { ...ev, grads: clipAll(ev.grads, valueAt(limit, ctx.iteration)) };
    },
  }),
});
