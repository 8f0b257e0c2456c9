import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, option, type OptionsOf, type Plugin } from '@flatopt/core';
import { averagingHooks } from './average-plugin';

const swaSchema = {
  /**
   * The first averaged step (integer ≥ 0), counted by the wrapped optimizer's iterations (step i
   * takes the count from i to i + 1; its iterate is the weights after it). Required: Izmailov et
   * al. average after a pretraining budget, typically 75 % of training.
   */
  start: option.number({ min: 0, integer: true }),
  /**
   * Steps between snapshots (integer ≥ 1). Default 1; the paper snapshots once per epoch (or
   * per cycle of a cyclical learning rate): pass the steps per epoch.
   */
  every: option.number({ default: 1, min: 1, integer: true }),
};

/** swa's options: `start` (required), `every`, and `name` (default 'swa'; give two instances in one stack different names). */
export type SwaOptions = OptionsOf<typeof swaSchema>;

/**
 * Stochastic weight averaging (Izmailov, Podoprikhin, Garipov, Vetrov & Wilson, "Averaging Weights
 * Leads to Wider Optima and Better Generalization", UAI 2018; PyTorch `torch.optim.swa_utils`):
 * the equal-weight mean of the iterates at steps start, start + every, …, kept as a running mean
 * after the wrapped optimizer's update:
 *
 *     a ← a + (w − a)/(n + 1),   n ← n + 1,
 *
 * with n (the snapshots so far) a saved slot. The training trajectory is untouched; evaluate with
 * `withAveragedWeights`, and recompute BatchNorm statistics for the average with
 * `updateBatchNorm`. The SWA learning-rate schedule is not part of the plugin (see the README).
 * Cost per snapshot: 3 elementwise kernels per variable and 2 on scalars; memory: one copy of the
 * weights.
 */
export const swa: (options: SwaOptions) => Plugin = definePlugin({
  type: 'swa',
  options: swaSchema,
  create: ({ start, every }, name) =>
    averagingHooks('swa', name, start, every, ({ variables, averages, count }) => {
      const m = tf.add(count, 1);
      // AddN rather than Add: the same sum, cheaper on the cpu backend (see ema.ts).
      averages.forEach((a, i) => a.assign(tf.addN([a, tf.div(tf.sub(variables[i], a), m)])));
      count.assign(m);
    }),
});
