import * as tf from '@tensorflow/tfjs-core';
import {
  definePlugin,
  FlatoptError,
  option,
  valueAt,
  type Evaluation,
  type Grads,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';
import { ascent, type AscentRule } from './ascent';
import { checkSplittable, microBatchAscents } from './micro-batches';

const samSchema = {
  /** Radius ρ of the ascent (≥ 0; a number or a schedule). Default 0.05 (Foret et al., CIFAR-10). */
  rho: option.hyperparameter({ default: 0.05, min: 0 }),
  /** ASAM: scale the ascent by T = |w| + eta (Kwon et al. 2021). Default false. */
  adaptive: option.boolean({ default: false }),
  /** ASAM's η in T = |w| + η (≥ 0). Default 0.01, as in the official ASAM code. */
  eta: option.number({ default: 0.01, min: 0 }),
  /** Which variables ASAM scales: 'weights' (rank ≥ 2: kernels; default, as official ASAM leaves biases unscaled) or 'all'. */
  adaptiveScope: option.oneOf(['weights', 'all'], { default: 'weights' }),
  /** false: unnormalized SAM, ε̂ = ρ·g (Karakida et al.'s forward GR with γ = ε = ρ). Default true. */
  normalize: option.boolean({ default: true }),
  /** Amortized ascent: a fresh ascent every `every` steps, the last ε̂ reused in between (cost 1 + 1/k). Default 1. */
  every: option.number({ default: 1, min: 1, integer: true }),
  /**
   * m-sharpness: how many equal parts (micro-batches) the batch is split into, each making its own
   * ascent, their descent gradients averaged (cost 2m; needs per-example losses). The COUNT of
   * parts, where the SAM paper's m is their SIZE. Default 1 (one ascent for the whole batch).
   */
  microBatches: option.number({ default: 1, min: 1, integer: true }),
};

/** sam's options (all optional), plus `name` (default 'sam'). */
export type SamOptions = OptionsOf<typeof samSchema>;

/**
 * Sharpness-aware minimization (Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021): minimize
 * max_{‖ε‖≤ρ} L(θ + ε) by one ascent step ε̂ = ρ·g/‖g‖ and the gradient there, G = ∇L(θ + ε̂),
 * both on the same minibatch; the wrapped optimizer steps with G from θ. Variants:
 * `adaptive` — ASAM (Kwon et al., ICML 2021), ε̂ = ρ·T²g/‖Tg‖ with T = |w| + η, invariant to
 * neuron-wise rescaling of ReLU nets (η = 0); `normalize: false` — unnormalized SAM, ε̂ = ρ·g;
 * `every: k` — a fresh ascent one step in k, the stored ε̂ reused in between;
 * `microBatches: m` — m-sharpness (Foret et al. §4): one ascent per micro-batch, the m descent
 * gradients averaged (see `microBatchAscents`; not combinable with `every > 1`).
 *
 * Costs 2 gradient evaluations (1 + 1/k with `every: k`; 2m with `microBatches: m`; 1 with ρ = 0,
 * which is the wrapped optimizer exactly). BatchNorm statistics and fit's metrics come from the evaluation at θ —
 * except on the in-between steps of `every: k > 1`, which evaluate only at θ + ε̂ and report
 * that loss. No NaN at a zero gradient: ε̂ is then 0. Records `gradNorm`, `ascentNorm`,
 * `perturbedLoss` L(θ + ε̂) and `sharpness` L(θ + ε̂) − L(θ) (on ascent steps).
 */
export const sam: (options?: SamOptions) => Plugin = definePlugin({
  type: 'sam',
  options: samSchema,
  create({ rho, adaptive, eta, adaptiveScope, normalize, every, microBatches }, name) {
    // One stored ascent cannot stand in for m per-part ones; storing m of them is not worth it.
    if (microBatches > 1 && every > 1) {
      throw new FlatoptError(
        `sam: option 'microBatches' (${microBatches}) cannot be combined with option 'every' (${every}): the amortized ascent reuses one ε̂, m-sharpness makes one per micro-batch. Set one of them to 1.`,
      );
    }
    const rule: AscentRule = {
      normalize,
      adaptive,
      eta,
      adaptiveOn: adaptiveScope === 'all' ? () => true : (v) => v.rank >= 2,
    };
    // For `every > 1`, the last ascent ε̂ is state core keeps (`stored`, saved as `ascent<i>`). A
    // refresh step writes the new ε̂ to `staged` while it evaluates and commits it to `stored` in
    // the apply stage, so a step that is not applied (non-finite, or a throw) leaves the stored
    // ascent as it was; on the device path the guard undoes the commit like any update.
    let stored: ReadonlyArray<tf.Variable | null> = [];
    let staged: ReadonlyArray<tf.Variable | null> = [];
    // Which stored slots hold an ascent: one a refresh staged here, or one core restored (it says
    // which, through `restored`). The others hold init's zeros and stay out of the probe, like a
    // variable without gradient. A step reuses the stored ascent
    // only if this instance made one, or one was restored and the run that saved it had made one
    // by then; otherwise it makes a fresh one, as that run did (e.g. the first step with ρ > 0).
    let held: boolean[] = [];
    let refreshed = false;
    let pending: number[] = [];

    /** Whether a run from iteration 0 had made an ascent before iteration `t`: ρ was positive earlier. */
    const ascendedBefore = (t: number) => {
      for (let s = 0; s < t; s++) if (valueAt(rho, s) > 0) return true;
      return false;
    };

    const stage = (shift: Grads, scale: number | tf.Scalar) => {
      refreshed = true;
      pending = shift.flatMap((s, i) => (s ? [i] : []));
      pending.forEach((i) => (held[i] = true));
      tf.tidy(() => pending.forEach((i) => staged[i]!.assign(tf.mul(shift[i]!, scale))));
    };

    const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
      pending = [];
      const r = valueAt(rho, ctx.iteration);
      if (r === 0) {
        const ev = next();
        if (microBatches > 1) checkSplittable(name, microBatches, ev);
        return ev;
      }
      if (microBatches > 1) return microBatchAscents(ctx, next, microBatches, r, rule);
      const reuse =
        every > 1 &&
        ctx.iteration % every !== 0 &&
        (refreshed || (held.some((h) => h) && ascendedBefore(ctx.iteration)));
      if (reuse) {
        const there = ctx.probe(
          stored.map((v, i) => (held[i] ? v : null)),
          1,
          next,
        );
        ctx.record('perturbedLoss', there.loss);
        return there;
      }
      const here = next();
      const a = ascent(here.grads, ctx.variables, r, rule);
      ctx.record('gradNorm', a.gradNorm);
      ctx.record('ascentNorm', a.norm);
      if (every > 1) stage(a.shift, a.scale);
      const there = ctx.probe(a.shift, a.scale, next);
      ctx.record('perturbedLoss', there.loss);
      ctx.record('sharpness', () => tf.sub(there.loss, here.loss) as tf.Scalar);
      return { ...there, loss: here.loss, perExample: here.perExample };
    };

    if (every === 1) return { evaluate };
    return {
      init(ctx) {
        stored = ctx.perVariable('ascent', (v) => tf.zerosLike(v));
        staged = ctx.perVariable('staged', (v) => tf.zerosLike(v), { saved: false });
        held = stored.map(() => false);
        refreshed = false;
        pending = [];
      },
      restored(names) {
        for (const name of names) {
          const i = Number(/^ascent(\d+)$/.exec(name)?.[1]);
          if (Number.isInteger(i)) held[i] = true;
        }
      },
      evaluate,
      apply(_ctx, grads, next) {
        next(grads);
        for (const i of pending) stored[i]!.assign(staged[i]!);
        pending = [];
      },
    };
  },
});
