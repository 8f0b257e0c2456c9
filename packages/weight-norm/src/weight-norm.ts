import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  definePlugin,
  option,
  type Grads,
  type OptionsOf,
  type Parametrization,
  type Plugin,
  type StepContext,
} from '@flatopt/core';
import { checkAxes, composeKeepingNorm, DEFAULT_EPSILON, polarOf, pullback, resolveAxes } from './polar';
import { includeToConfig, parseInclude, select } from './selection';

const schema = {
  /**
   * Which trained variables to reparameterize: a RegExp over names (e.g. `/kernel/`), a list of
   * exact names, a predicate, or `{ positions }` in the trained list (what a predicate is saved
   * as). Default: every variable of rank ≥ 2 (kernels, not biases).
   */
  include: option.custom((owner, _, value) => parseInclude(owner, value), { optional: true, saved: false }),
  /**
   * The axes ‖v‖ runs over: `'output'` (default: all but the last, the output axis of Dense and
   * Conv kernels, so each output unit has its own radius g), `'all'` (one radius for the whole
   * tensor, as in Chou et al.'s polar diagonal network), or explicit axes (negative count from the end).
   */
  axes: option.custom((owner, _, value) => checkAxes(owner, value), { default: 'output' }),
  /**
   * The angular learning rate over the radial one, Chou, Rauhut & Ward's magnification (> 0,
   * default 1). The wrapped optimizer's update of v is scaled by it (`v ← v + ratio·Δv`), so it
   * acts as a learning-rate ratio for every optimizer, Adam included (whose update ignores a
   * gradient scale).
   */
  ratio: option.number({ default: 1, min: 0, exclusiveMin: true }),
  /** Floor on ‖v‖ (> 0, default 1e-6): v = 0 gives w = 0 and finite gradients, not NaN. */
  epsilon: option.number({ default: DEFAULT_EPSILON, min: 0, exclusiveMin: true }),
};

/** weightNorm's options; `name` is the instance name (default 'weightNorm'). */
export type WeightNormOptions = OptionsOf<typeof schema>;

/**
 * ‖v‖ from the last write-back and the buffer of v it was computed from: the next pullback
 * reuses it while v still holds that buffer (a tfjs variable gets a new one on every assign: the
 * wrapped optimizer's update, setWeights, or the device-side undo of a non-finite step).
 */
interface KnownNorm {
  tensor: tf.Tensor;
  of: object;
}

/**
 * Weight normalization as an optimizer plugin (Salimans & Kingma, NeurIPS 2016): each selected
 * weight w of an unchanged model is trained in polar coordinates
 *
 *     w = g · v/‖v‖,   ∂L/∂g = Σ ∂L/∂w ⊙ v/‖v‖,   ∂L/∂v = (g/‖v‖)(I − w·wᵀ/‖w‖²) ∂L/∂w,
 *
 * per output unit. The plugin keeps g and v (created once, at the first step, from w so the
 * function is unchanged: g = ‖w‖, v = w), maps the gradient of w to theirs in the apply stage,
 * lets the wrapped optimizer update g and v (its state — momentum, Adam moments — is theirs, not
 * w's), and writes w = g·v/‖v‖ back after every step. Chou, Rauhut & Ward ("Robust Implicit
 * Regularization via Weight Normalization", arXiv 2305.05448) show that gradient flow in these
 * coordinates keeps the sparse implicit bias of diagonal linear networks at large initialization
 * scales; their learning-rate ratio between the direction and the radius is `ratio`.
 *
 * Because ∂L/∂v ⊥ v, plain gradient descent grows ‖v‖² by exactly η²‖∂L/∂v‖² per step, which
 * shrinks the effective angular step over training. No extra gradient evaluation; per step, per
 * variable, a few elementwise ops and two reductions. Works in `model.fit` (w stays the model's
 * weight; g and v are optimizer state, saved by `model.save(..., { includeOptimizer: true })`).
 * If you change w outside the optimizer (e.g. `model.setWeights`), the next step overwrites it
 * from g and v: restore the optimizer's weights with it.
 */
export const weightNorm: (options?: WeightNormOptions) => Plugin = definePlugin({
  type: 'weightNorm',
  options: schema,
  create: ({ include, axes, ratio, epsilon }, name) => {
    let v: tf.Variable[] = [];
    let known: Array<KnownNorm | undefined> = [];
    let positions: number[] | null = null;

    const forget = (k: number) => {
      known[k]?.tensor.dispose();
      known[k] = undefined;
    };

    /**
     * w = g·v/‖v‖ for core's parametrization, with Salimans & Kingma's closed-form pullback (the
     * test oracle for autodiff through `compose`, and 2.8× fewer kernels than it). The write-back
     * keeps ‖v‖ for the next pullback of the same v.
     */
    const polar = (k: number, a: number[]): Parametrization => ({
      names: ['g', 'v'],
      forward: ([g, u]) => {
        const { w, norm } = composeKeepingNorm(g, u, a, epsilon);
        forget(k);
        known[k] = { tensor: tf.keep(norm), of: u.dataId };
        return w;
      },
      rightInverse: (x) => {
        const { g, v: u } = polarOf(x, a);
        return [g, u];
      },
      pullback: ([g, u], G) => {
        const d = pullback(G, g, u, a, epsilon, known[k]?.of === u.dataId ? known[k]!.tensor : undefined);
        return [d.g, d.v];
      },
    });

    return {
      // Each selected w becomes w = g·v/‖v‖ with g = ‖w‖ and v = w (the function is unchanged).
      // Core trains g and v in its place, saves them as `g<i>` and `v<i>` (i: the position of w
      // among the trained variables), and writes w back after every step and every restore.
      init(ctx) {
        const picked = select(name, include, ctx.variables);
        positions = picked.map((w) => ctx.variables.indexOf(w));
        known.forEach((_, k) => forget(k));
        known = [];
        v = picked.map((w, k) => ctx.parametrize(w, polar(k, resolveAxes(name, w.name, w.shape, axes)))[1]);
      },

      // Chou et al.'s ratio: v moves `ratio` times what the wrapped optimizer moved it (core writes
      // w back after this). v before the update is held without a copy (alias: no kernel).
      ...(ratio === 1
        ? {}
        : {
            apply(_ctx: StepContext, grads: Grads, next: (grads: Grads) => void) {
              const before = v.map((x) => alias(x));
              next(grads);
              v.forEach((x, k) => {
                if (x.dataId !== before[k].dataId)
                  x.assign(tf.add(before[k], tf.mul(tf.sub(x, before[k]), ratio)));
              });
              tf.dispose(before);
            },
          }),

      dispose() {
        known.forEach((_, k) => forget(k));
        known = [];
      },

      /** `include` as saved: a predicate as the positions it picked, known after the first step. */
      getConfig: () => ({ include: includeToConfig(name, include, positions) }),
    };
  },
});
