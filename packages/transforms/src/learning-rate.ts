import { definePlugin, option, valueAt, type OptionsOf, type Plugin } from '@flatopt/core';

const learningRateSchema = {
  /**
   * The learning rate at each step: a number (kept fixed) or one of core's schedules — `constant`,
   * `linear`, `cosine`, `step`, `join`, `warmupCosine`. Every value must be ≥ 0. Required.
   */
  schedule: option.hyperparameter({
    min: 0,
    hint: "a finite number ≥ 0 or a schedule, e.g. learningRate({ schedule: warmupCosine({ peak: 1e-3, warmup: 500, total: 10000 }) }) with warmupCosine from '@flatopt/core'.",
  }),
};

/** learningRate's options: `schedule` (required) and `name` (default 'learningRate'). */
export type LearningRateOptions = OptionsOf<typeof learningRateSchema>;

/**
 * A learning-rate schedule for any wrapped `tf.train` optimizer (tfjs has none, tfjs#683): before
 * each step core sets the wrapped optimizer's learning rate to `schedule` at its iteration count
 * (Keras' `LearningRateSchedule`, optax's `inject_hyperparams`). The iteration count is the
 * wrapped optimizer's, which `getWeights` saves and `model.save` carries, and the schedule is in
 * the config, so a resumed run continues the schedule exactly where it stopped. Every
 * `ctx.learningRate` of the step — the IGR monitor's h, decoupled weight decay's scale — sees
 * the scheduled value. Under `accumulate` the schedule advances once per applied update, not per
 * micro-batch. One per stack. Costs nothing on the device: SGD and Momentum upload one scalar when
 * the value changes, the other optimizers read the number at their update.
 */
export const learningRate: (options: LearningRateOptions) => Plugin = definePlugin({
  type: 'learningRate',
  options: learningRateSchema,
  create: ({ schedule }) => ({ learningRate: (iteration: number) => valueAt(schedule, iteration) }),
});
