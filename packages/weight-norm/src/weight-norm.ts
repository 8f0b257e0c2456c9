import * as tf from '@tensorflow/tfjs-core';
import { alias, definePlugin, option, type OptionsOf, type Plugin } from '@flatopt/core';
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

/** One reparameterized variable: w = g·v/‖v‖. */
interface Entry {
  readonly w: tf.Variable;
  readonly g: tf.Variable;
  readonly v: tf.Variable;
  readonly axes: number[];
  /**
   * ‖v‖ from the last write-back and the buffer of v it was computed from: the next pullback
   * reuses it while v still holds that buffer (a tfjs variable gets a new one on every assign:
   * the wrapped optimizer's update, setWeights, or the device-side undo of a non-finite step).
   */
  norm?: { tensor: tf.Tensor; of: object };
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
    let entries: Entry[] = [];
    let positions: number[] | null = null;
    // Index of each entry's w, g and v in the apply stage's list (fixed once the list is).
    let indices: Array<[number, number, number]> | null = null;

    return {
      // g = ‖w‖ and v = w, so the function is unchanged. Core saves them as `g<i>` and `v<i>` (i:
      // the position of w among the trained variables) and restores saved values over these.
      init(ctx) {
        const picked = select(name, include, ctx.variables);
        const axesOf = new Map(picked.map((w) => [w, resolveAxes(name, w.name, w.shape, axes)]));
        const g = ctx.perVariable('g', (w) => (axesOf.has(w) ? polarOf(w, axesOf.get(w)!).g : null));
        const v = ctx.perVariable('v', (w) => (axesOf.has(w) ? w : null));
        positions = picked.map((w) => ctx.variables.indexOf(w));
        entries = picked.map((w, k) => {
          const i = positions![k];
          return { w, g: g[i]!, v: v[i]!, axes: axesOf.get(w)! };
        });
        indices = null;
      },

      // g and v are trained in place of w; they are the state variables init made.
      reparameterize: () => ({
        derived: entries.map((e) => e.w),
        parameters: entries.flatMap((e) => [e.g, e.v]),
      }),

      apply(ctx, grads, next) {
        indices ??= entries.map(
          (e) => [e.w, e.g, e.v].map((x) => ctx.variables.indexOf(x)) as [number, number, number],
        );
        const out = [...grads];
        const moved = entries.filter((e, k) => {
          const [iw, ig, iv] = indices![k];
          const G = grads[iw];
          if (!G) return false;
          const known = e.norm?.of === e.v.dataId ? e.norm.tensor : undefined;
          const d = pullback(G, e.g, e.v, e.axes, epsilon, known);
          [out[iw], out[ig], out[iv]] = [null, d.g, d.v];
          return true;
        });
        // v before the update, held without a copy (alias: no kernel; a clone copies v on wasm).
        const before = ratio === 1 ? [] : moved.map((e) => alias(e.v));
        next(out);
        moved.forEach((e, k) => {
          if (ratio !== 1) e.v.assign(tf.add(before[k], tf.mul(tf.sub(e.v, before[k]), ratio)));
          const { w, norm } = composeKeepingNorm(e.g, e.v, e.axes, epsilon);
          e.w.assign(w);
          forgetNorm(e);
          e.norm = { tensor: tf.keep(norm), of: e.v.dataId };
        });
      },

      dispose() {
        entries.forEach(forgetNorm);
        entries = [];
        indices = null;
      },

      /** `include` as saved: a predicate as the positions it picked, known after the first step. */
      getConfig: () => ({ include: includeToConfig(name, include, positions) }),
    };
  },
});

function forgetNorm(e: Entry): void {
  e.norm?.tensor.dispose();
  e.norm = undefined;
}
