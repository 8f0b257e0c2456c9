/**
 * Benchmark "transforms": the step cost of each of @flatopt/transforms' plugins against a plain
 * SGD step: a learning-rate schedule whose value changes every step, gradient clipping by global
 * norm and by value (set so that they clip), decoupled weight decay, and gradient accumulation,
 * judged per micro-step (the mean over whole windows of k calls, one of which updates).
 */
import { warmupCosine } from '@flatopt/core';
import {
  accumulate,
  clipByGlobalNorm,
  clipByValue,
  decoupledWeightDecay,
  learningRate,
} from '@flatopt/transforms';
import type { Benchmark } from '../benchmark';
import * as cost from '../plugin-cost';

/** Micro-steps per update of the accumulation variant. */
export const STEPS = 4;
/** Issue 15's limit: each transform within 1.03× a plain step. */
export const TRANSFORMS_ALLOWANCE = 0.03;
/** Small enough that the MLP's gradients are clipped on every step. */
export const MAX_NORM = 0.01;
export const LIMIT = 1e-4;
export const DECAY_RATE = 0.01;

const limited = { gradientEvaluations: 1, allowance: TRANSFORMS_ALLOWANCE } as const;

export const TRANSFORMS_VARIANTS: readonly cost.PluginCostVariant[] = [
  { name: 'plain', plugins: () => [], gradientEvaluations: 1 },
  {
    name: 'learningRate',
    // Warm-up then cosine over far more steps than a run takes: a new rate on every step.
    plugins: () => [
      learningRate({
        schedule: warmupCosine({ peak: cost.LEARNING_RATE, warmup: 100_000, total: 1_000_000 }),
      }),
    ],
    ...limited,
  },
  { name: 'clipByGlobalNorm', plugins: () => [clipByGlobalNorm({ maxNorm: MAX_NORM })], ...limited },
  { name: 'clipByValue', plugins: () => [clipByValue({ limit: LIMIT })], ...limited },
  { name: 'decoupledWeightDecay', plugins: () => [decoupledWeightDecay({ rate: DECAY_RATE })], ...limited },
  {
    name: `accumulate steps ${STEPS}`,
    plugins: () => [accumulate({ steps: STEPS })],
    gradientEvaluations: new Array<number>(STEPS).fill(1),
    allowance: TRANSFORMS_ALLOWANCE,
    statistic: 'mean',
  },
];

export function transformsBenchmark(size: cost.MlpSize = {}): Benchmark {
  return cost.pluginCostBenchmark({
    name: 'transforms',
    title: 'Training-loop transforms: step cost of each `@flatopt/transforms` plugin vs a plain SGD step',
    describe: ({ layers, batchSize }) =>
      `One step = \`optimizer.step(loss, variables)\` of \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}), plugin)\` with ` +
      `plugin \`learningRate({ schedule: warmupCosine(…) })\` (a new rate every step), \`clipByGlobalNorm({ maxNorm: ${MAX_NORM} })\` ` +
      `and \`clipByValue({ limit: ${LIMIT} })\` (both clipping on every step), \`decoupledWeightDecay({ rate: ${DECAY_RATE} })\` ` +
      `(the kernels decay, the biases do not) or \`accumulate({ steps: ${STEPS} })\` (judged on the MEAN over whole windows of ` +
      `${STEPS} micro-steps, one of which updates); baseline \`plain\` = \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}))\`. ` +
      `${layers.join('-')} ReLU MLP, batch ${batchSize}, one fixed seeded batch, tf.losses.softmaxCrossEntropy; each variant ` +
      `trains its own copy from identical weights. Limit = 1 gradient evaluation + ${TRANSFORMS_ALLOWANCE}. ${cost.PLUGIN_COST_FOOTER}`,
    variants: TRANSFORMS_VARIANTS,
    size,
    conclude: (runs) => [cost.limitSummary(runs, 'transform')].flatMap((s) => s ?? []),
  });
}
