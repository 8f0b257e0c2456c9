/**
 * Benchmark "sam-flooding": the step cost of `sam({ rho })` (2 gradient evaluations), amortized SAM
 * `sam({ rho, every: 4 })` (a fresh ascent one step in 4: 1.25 evaluations per step on average) and
 * `flooding({ level })` (a loss transform: 1 evaluation), against a plain SGD step.
 */
import { flooding } from '@flatopt/flooding';
import { sam } from '@flatopt/sam';
import type { Benchmark } from '../benchmark';
import * as cost from '../plugin-cost';
import type { BackendRun } from '../report';

export const RHO = 0.05;
export const EVERY = 4;
export const LEVEL = 0.02;
/** SAM's step beyond its evaluations: the ascent direction (a global norm), perturb and restore. */
export const SAM_ALLOWANCE = 0.05;
/** Flooding's: a few scalar ops on the loss and its diagnostics, nothing per weight. */
export const FLOODING_ALLOWANCE = 0.02;

export const SAM_FLOODING_VARIANTS: readonly cost.PluginCostVariant[] = [
  { name: 'plain', plugins: () => [], gradientEvaluations: 1 },
  { name: 'sam', plugins: () => [sam({ rho: RHO })], gradientEvaluations: 2, allowance: SAM_ALLOWANCE },
  {
    name: `sam every ${EVERY}`,
    plugins: () => [sam({ rho: RHO, every: EVERY })],
    // The ascent step evaluates at θ and at θ + ε̂; the other steps reuse ε̂ and evaluate only there.
    gradientEvaluations: [2, ...new Array<number>(EVERY - 1).fill(1)],
    allowance: SAM_ALLOWANCE,
    // Bimodal step times: the median would be the 1-evaluation step's cost, not the average's.
    statistic: 'mean',
  },
  {
    name: 'flooding',
    plugins: () => [flooding({ level: LEVEL })],
    gradientEvaluations: 1,
    allowance: FLOODING_ALLOWANCE,
  },
];

/**
 * What amortizing the ascent saves: the cost of `sam every k` relative to `sam` (ratio of means,
 * both per step) against what the evaluations predict, (1 + 1/k) / 2.
 */
export function amortizationNote({ backend, result }: BackendRun): string | undefined {
  const full = result.variants.find((v) => v.name === 'sam');
  const every = result.variants.find((v) => v.name === `sam every ${EVERY}`);
  if (!full || !every) return undefined;
  const predicted = (1 + 1 / EVERY) / 2;
  return (
    `${backend}: \`${every.name}\` costs ${(every.ms.mean / full.ms.mean).toFixed(3)}× \`sam\` per step ` +
    `(ratio of means; the gradient evaluations predict ${predicted.toFixed(3)}).`
  );
}

export function samFloodingBenchmark(size: cost.MlpSize = {}): Benchmark {
  return cost.pluginCostBenchmark({
    name: 'sam-flooding',
    title: 'SAM and flooding: step cost of `sam`, `sam({ every: 4 })` and `flooding` vs a plain SGD step',
    describe: ({ layers, batchSize }) =>
      `One step = \`optimizer.step(loss, variables)\` of \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}), plugin)\` ` +
      `with plugin \`sam({ rho: ${RHO} })\`, \`sam({ rho: ${RHO}, every: ${EVERY} })\` or ` +
      `\`flooding({ level: ${LEVEL} })\`; baseline \`plain\` = \`withPlugins(tf.train.sgd(${cost.LEARNING_RATE}))\`. ` +
      `${layers.join('-')} ReLU MLP, batch ${batchSize}, one fixed seeded batch, tf.losses.softmaxCrossEntropy; ` +
      'each variant trains its own copy from identical weights. Limit = gradient evaluations per step + allowance: ' +
      `\`sam\` 2 + ${SAM_ALLOWANCE}, \`sam every ${EVERY}\` ${1 + 1 / EVERY} + ${SAM_ALLOWANCE} on the MEAN ` +
      `(one step in ${EVERY} makes 2 evaluations, the others 1, so it is judged by the ratio of means over ` +
      `whole cycles of ${EVERY} steps; warm-up and samples are rounded up to multiples of ${EVERY}), ` +
      `\`flooding\` 1 + ${FLOODING_ALLOWANCE}. ${cost.PLUGIN_COST_FOOTER}`,
    variants: SAM_FLOODING_VARIANTS,
    size,
    conclude: (runs) => [
      ...runs.flatMap((run) => amortizationNote(run) ?? []),
      ...[cost.limitSummary(runs, 'plugin stack')].flatMap((s) => s ?? []),
    ],
  });
}
