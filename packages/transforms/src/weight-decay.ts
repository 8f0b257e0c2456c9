import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  definePlugin,
  FlatoptError,
  option,
  valueAt,
  type Grads,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';

const weightDecaySchema = {
  /**
   * The decay coefficient λ (≥ 0; a number or a schedule): each step multiplies the decayed
   * weights by 1 − η_t·λ, η_t the wrapped optimizer's learning rate at the step. Required:
   * common choices are 0.01 (torch's AdamW default) and 0.05–0.1 for transformers, but the right
   * value depends on the learning rate, the model and the training length.
   */
  rate: option.hyperparameter({
    min: 0,
    hint: 'the decay coefficient λ, a finite number ≥ 0 or a schedule, e.g. decoupledWeightDecay({ rate: 0.01 }) (torch AdamW’s default).',
  }),
  /**
   * Which variables decay: `'weights'` (default): those of rank ≥ 2 — kernels, embeddings — and
   * not biases or normalization parameters (BatchNorm/LayerNorm γ, β), the usual practice; or
   * `'all'`.
   */
  include: option.oneOf(['weights', 'all'], { default: 'weights' }),
};

/** decoupledWeightDecay's options: `rate` (required), `include`, and `name` (default 'decoupledWeightDecay'). */
export type DecoupledWeightDecayOptions = OptionsOf<typeof weightDecaySchema>;

/**
 * Decoupled weight decay for any wrapped optimizer (Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019): the weights shrink towards 0 beside the wrapped optimizer's
 * update instead of through the gradient, so an adaptive optimizer does not rescale the decay.
 * With `tf.train.adam` this is AdamW, with `tf.train.sgd` SGDW. The convention is PyTorch's
 * `AdamW` (also Keras' `AdamW` and optax's `add_decayed_weights` under a scheduled rate):
 *
 *     θ_t = θ_{t−1}·(1 − lr_t·λ) − lr_t·update_t,
 *
 * lr_t the wrapped optimizer's learning rate at the step (`ctx.learningRate`, so the value a
 * `learningRate` schedule set) and λ = `rate`. The decay is applied to θ_{t−1} before the wrapped
 * optimizer's update, as torch does; tfjs optimizers' updates do not depend on θ, so the order
 * gives exactly the formula.
 *
 * The paper's Algorithm 2 writes θ_t = θ_{t−1} − η_t·(α·m̂_t/(√v̂_t + ε) + λ_paper·θ_{t−1}), with α
 * the base learning rate and η_t a schedule multiplier: there the decay follows only η_t, not α.
 * Here (and in torch) lr_t = α·η_t multiplies both terms, so `rate` = λ_paper/α gives the
 * paper's update exactly (the schedule then scales both alike, as in the paper).
 *
 * Which variables decay: in the apply stage, the trained variables and a reparameterization's
 * parameters (e.g. weight norm's g and v, each by its own rank: g has shape [1, units], so it
 * decays under 'weights' as torch's `weight_g` does under the usual ndim ≥ 2 rule), never the
 * derived variables a reparameterization recomputes; with `include: 'weights'` only those of
 * rank ≥ 2. A variable decays only when the update it wraps changes it — as torch skips
 * parameters without a gradient — so a variable without gradient stays put, and so does
 * everything on the calls where an inner `accumulate` does not apply an update. If the update
 * throws, the decay is undone (the old values are kept without a copy, see `alias`), so nothing
 * stays half-applied. `rate: 0` is the wrapped optimizer bit for bit.
 *
 * Stack order: listed after `accumulate` (inner to it) the decay runs once per applied update;
 * listed before it, it still decays only on applied updates (see above) but spends a kernel per
 * variable on every micro-step. Cost per step: one Multiply per decayed variable and one scalar
 * upload. Throws if the wrapped optimizer has no learning rate.
 */
export const decoupledWeightDecay: (options: DecoupledWeightDecayOptions) => Plugin = definePlugin({
  type: 'decoupledWeightDecay',
  options: weightDecaySchema,
  create: ({ rate, include }, name) => ({
    apply(ctx: StepContext, grads: Grads, next: (grads: Grads) => void) {
      const lr = ctx.learningRate;
      if (lr === undefined) {
        throw new FlatoptError(
          `${name}: the wrapped optimizer has no numeric learning rate, and the decay is the learning rate times 'rate' (lr·λ). ` +
            `Wrap a tf.train optimizer (every one has a learningRate). Nothing was applied.`,
        );
      }
      const decay = lr * valueAt(rate, ctx.iteration);
      const picked = decay === 0 ? [] : decayed(ctx, grads, include);
      if (picked.length === 0) return next(grads);
      decayAround(picked, 1 - decay, () => next(grads));
    },
  }),
});

/**
 * The variables that may decay this step: not derived (recomputed from parameters), with a
 * gradient — a reparameterization's parameters get theirs inside `next`, so they are candidates
 * here and the update decides — and of rank ≥ 2 under `'weights'`.
 */
function decayed(ctx: StepContext, grads: Grads, include: 'weights' | 'all'): tf.Variable[] {
  return ctx.variables.filter((v, i) => {
    const role = ctx.roles[i];
    if (role === 'derived' || (role !== 'parameter' && grads[i] === null)) return false;
    return include === 'all' || v.rank >= 2;
  });
}

/**
 * Multiplies `variables` by `factor`, runs `update`, and puts back the old value of every
 * variable the update did not change (tfjs' optimizers skip a variable without gradient, and an
 * inner `accumulate` skips whole steps), or of all of them if it throws. The old values are
 * aliases of the old buffers: restoring them is bit-exact and costs no kernel.
 */
function decayAround(variables: readonly tf.Variable[], factor: number, update: () => void): void {
  const saved = variables.map((v) => alias(v));
  try {
    tf.tidy(() => {
      const f = tf.scalar(factor); // once per step, shared by every variable
      variables.forEach((v) => v.assign(tf.mul(v, f)));
    });
    const shrunk = variables.map((v) => v.dataId);
    try {
      update();
    } catch (e) {
      variables.forEach((v, k) => v.assign(saved[k]));
      throw e;
    }
    variables.forEach((v, k) => v.dataId === shrunk[k] && v.assign(saved[k]));
  } finally {
    tf.dispose(saved);
  }
}
