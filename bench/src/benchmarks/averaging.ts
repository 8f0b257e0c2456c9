/**
 * Benchmark "averaging": the step cost of `ema`, `swa` and `lookahead` (weight averaging, one
 * gradient evaluation each; the averaging runs after the wrapped optimizer's update) against a
 * plain SGD step. EMA and SWA average on every step, their most expensive setting; lookahead
 * synchronizes one step in k, so it is judged on the mean over whole cycles of k steps.
 */
import { ema, lookahead, swa } from '@flatopt/averaging';
import type { Benchmark } from '../benchmark';
import * as cost from '../plugin-cost';

export const DECAY = 0.999;
export const K = 5;
export const ALPHA = 0.5;
/** A few elementwise passes over the weights (and a few scalar kernels) per step: issue 14's 1.05. */
export const AVERAGING_ALLOWANCE = 0.05;

export const AVERAGING_VARIANTS: readonly cost.PluginCostVariant[] = [
  { name: 'plain', plugins: () => [], gradientEvaluations: 1 },
  {
    name: 'ema',
    plugins: () => [ema({ decay: DECAY })],
    gradientEvaluations: 1,
    allowance: AVERAGING_ALLOWANCE,
  },
  {
    name: 'swa',
    plugins: () => [swa({ start: 0 })],
    gradientEvaluations: 1,
    allowance: AVERAGING_ALLOWANCE,
  },
  {
    name: `lookahead k ${K}`,
    plugins: () => [lookahead({ k: K, alpha: ALPHA })],
    // One step in k synchronizes (3 elementwise passes); the mean over whole cycles is the cost.
    gradientEvaluations: new Array<number>(K).fill(1),
    allowance: AVERAGING_ALLOWANCE,
    statistic: 'mean',
  },
];

export function averagingBenchmark(size: cost.MlpSize = {}): Benchmark {
  return cost.pluginCostBenchmark({
    name: 'averaging',
    title: 'Weight averaging: step cost of `ema`, `swa` and `lookahead` vs a plain SGD step',
    describe: ({ layers, batchSize }) =>
      `One step = \`optimizer.step(loss, variables)\` of \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}), plugin)\` ` +
      `with plugin \`ema({ decay: ${DECAY} })\` or \`swa({ start: 0 })\` (both averaging every step, their heaviest ` +
      `setting) or \`lookahead({ k: ${K}, alpha: ${ALPHA} })\` (judged on the MEAN over whole cycles of ${K} steps: ` +
      `one step in ${K} synchronizes; warm-up and samples are rounded up to multiples of ${K}); ` +
      `baseline \`plain\` = \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}))\`. ` +
      `${layers.join('-')} ReLU MLP, batch ${batchSize}, one fixed seeded batch, tf.losses.softmaxCrossEntropy; ` +
      'each variant trains its own copy from identical weights. Limit = 1 gradient evaluation + ' +
      `${AVERAGING_ALLOWANCE} for the averaging after the update. ${cost.PLUGIN_COST_FOOTER}`,
    variants: AVERAGING_VARIANTS,
    size,
    conclude: (runs) => [cost.limitSummary(runs, 'averaging plugin')].flatMap((s) => s ?? []),
  });
}
