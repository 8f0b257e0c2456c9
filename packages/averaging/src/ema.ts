import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, option, type OptionsOf, type Plugin } from '@flatopt/core';
import { averagingHooks } from './average-plugin';

const emaSchema = {
  /**
   * The decay d in a ← d·a + (1 − d)·w, in [0, 1). Required: it sets the averaging horizon,
   * about 1/(1 − d) averaged steps (0.999: the last ~1000), and no value suits every run length.
   */
  decay: option.number({ min: 0, max: 1, exclusiveMax: true }),
  /** Average every `every`-th step (integer ≥ 1). Default 1: every step. */
  every: option.number({ default: 1, min: 1, integer: true }),
  /**
   * The first averaged step (integer ≥ 0), counted by the wrapped optimizer's iterations: step i
   * takes its iteration count from i to i + 1, and its iterate is the weights after it. Default 0.
   */
  start: option.number({ default: 0, min: 0, integer: true }),
};

/** ema's options: `decay` (required), `every`, `start`, and `name` (default 'ema'; give two instances in one stack different names). */
export type EmaOptions = OptionsOf<typeof emaSchema>;

/**
 * Exponential moving average of the weights (Polyak averaging with exponential weights; optax's
 * `ema`, Keras' `use_ema`, PyTorch's `AveragedModel` with `get_ema_multi_avg_fn`). After the
 * wrapped optimizer's update on steps start, start + every, …:
 *
 *     a ← w                       at the first averaged step,
 *     a ← d·a + (1 − d)·w         at every later one,
 *
 * so after averaged iterates w₁ … wₙ, a = dⁿ⁻¹·w₁ + Σⱼ₌₂ⁿ (1 − d)·dⁿ⁻ʲ·wⱼ. The training
 * trajectory is untouched (the weights are exactly the wrapped optimizer's); the average is
 * optimizer state, saved and restored with it, and evaluated with `withAveragedWeights`.
 *
 * Initialization: a starts as a copy of the first averaged iterate (as Keras and PyTorch do), not
 * of the weights at initialization (random weights would weigh dⁿ on the average, for thousands of
 * steps at d = 0.999) and not at zero, so no bias correction is needed and there is no `debias`
 * option (optax's `debias` divides out the weight its zero start puts on 0). The price: the first
 * iterate keeps the weight dⁿ⁻¹ that a longer history would have spread; skip early iterates with
 * `start`. Cost per averaged step: 3 elementwise kernels per variable and 4 on scalars; memory:
 * one copy of the weights.
 */
export const ema: (options: EmaOptions) => Plugin = definePlugin({
  type: 'ema',
  options: emaSchema,
  create: ({ decay, every, start }, name) =>
    averagingHooks('ema', name, start, every, ({ variables, averages, count }) => {
      // d_eff = d·min(n, 1): 0 at the first averaged step, which makes a = 0·0 + 1·w = w exactly.
      const d = tf.mul(decay, tf.minimum(count, 1));
      const c = tf.sub(1, d);
      // AddN, not Add: the same sum (bit for bit but for the sign of an exact zero: AddN starts
      // from +0), and the cpu backend's Add indexes both operands modulo their lengths per element
      // (two integer divisions) where AddN does not: the update costs ~25 % less there.
      averages.forEach((a, i) => a.assign(tf.addN([tf.mul(d, a), tf.mul(c, variables[i])])));
      count.assign(tf.add(count, 1));
    }),
});
