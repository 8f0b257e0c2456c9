import * as tf from '@tensorflow/tfjs-core';
import type { PluggedOptimizer, StepReport } from '@flatopt/core';
import { epochOrder, minibatch, type Split } from '@flatopt/example-utils';
import { stepsPerEpoch, totalSteps, type Config } from './config';
import { withAveragedWeights } from '@flatopt/averaging';
import { buildOptimizer, type Method } from './methods';
import { batchLoss, createMlp, splitAccuracy, splitLoss, type Mlp } from './model';
import { measureSharpness, type Sharpness } from './sharpness';

export interface Digits {
  /** The training split as the model sees it: with label noise, the noisy labels. */
  readonly train: Split;
  readonly test: Split;
  /** With label noise: the training examples whose label was changed, with their noisy labels. */
  readonly memorization?: Split;
}

/** One point of a learning curve. */
export interface CurvePoint {
  readonly step: number;
  /** Mean minibatch loss (at the unperturbed weights) over the steps since the previous point. */
  readonly trainLoss: number;
  readonly testAccuracy: number;
}

/** Evaluations per step, from the optimizer's step reports, averaged over the run. */
export interface EvaluationsPerStep {
  readonly gradient: number;
  readonly doubleBackprop: number;
}

/** One method trained from one seed. */
export interface RunResult {
  readonly method: string;
  readonly seed: number;
  readonly testAccuracy: number;
  /** The best test accuracy at any curve point (the last step included). */
  readonly bestTestAccuracy: number;
  /**
   * With label noise: the share of the examples whose label was changed that the model predicts
   * with their *noisy* label after training (how much of the noise it memorized; chance is 1/10).
   */
  readonly memorized?: number;
  /** λ_max and R_IG of the training loss after the last step. */
  readonly sharpness: Sharpness;
  /** Loss on the whole training split after the last step. */
  readonly finalTrainLoss: number;
  readonly curve: CurvePoint[];
  readonly evaluationsPerStep: EvaluationsPerStep;
  /** Flooding methods only: the fraction of steps that ascended (minibatch loss below the level). */
  readonly floodAscentFraction?: number;
  readonly seconds: number;
}

/** Steps after which a curve point is taken: every ⌈total/points⌉ steps, and the last step. */
export function curveSteps(total: number, points: number): number[] {
  const every = Math.ceil(total / points);
  const steps = Array.from({ length: Math.floor(total / every) }, (_, i) => (i + 1) * every);
  return steps.at(-1) === total ? steps : [...steps, total];
}

/** Sums the step reports of a run. */
class Tally {
  gradient = 0;
  doubleBackprop = 0;
  floodAscents = 0;
  flooded = false;
  steps = 0;

  add(report: StepReport): void {
    this.gradient += report.gradientEvaluations;
    this.doubleBackprop += report.doubleBackpropEvaluations;
    const below = report.diagnostics['flooding/belowLevel'];
    if (below !== undefined) {
      this.flooded = true;
      this.floodAscents += below;
    }
    this.steps++;
  }
}

/**
 * Trains `method` from `seed` (initial weights and minibatch order) for `config.epochs` epochs on
 * the training split, taking curve points on the way. `onStep(step)` is called after each step.
 */
export function trainRun(
  method: Method,
  seed: number,
  data: Digits,
  config: Config,
  onStep: (step: number) => void = () => {},
): RunResult {
  const start = performance.now();
  const model = createMlp(config.hidden, seed);
  const optimizer = buildOptimizer(method, config.hyperparameters);
  const marks = new Set(curveSteps(totalSteps(config), config.curvePoints));
  const curve: CurvePoint[] = [];
  const tally = new Tally();
  // Averaging methods are judged by their average, once it exists; the others by their weights.
  const averagedFrom = method.averagedFrom?.(config.hyperparameters);
  const judged = <T>(fn: () => T): T =>
    averagedFrom !== undefined && tally.steps >= averagedFrom ? withAveragedWeights(optimizer, fn) : fn();
  let lossSum = 0;
  let lossCount = 0;
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = epochOrder(data.train.x.shape[0], seed, epoch);
      for (let b = 0; b < stepsPerEpoch(config); b++) {
        const report = trainStep(model, optimizer, data.train, minibatch(order, b, config.batch));
        tally.add(report);
        [lossSum, lossCount] = [lossSum + report.loss, lossCount + 1];
        if (marks.has(tally.steps)) {
          curve.push({
            step: tally.steps,
            trainLoss: lossSum / lossCount,
            testAccuracy: judged(() => splitAccuracy(model, data.test)),
          });
          [lossSum, lossCount] = [0, 0];
        }
        onStep(tally.steps);
      }
    }
    const testAccuracy = judged(() => splitAccuracy(model, data.test));
    const memorization = data.memorization;
    return {
      method: method.key,
      seed,
      testAccuracy,
      bestTestAccuracy: Math.max(testAccuracy, ...curve.map((p) => p.testAccuracy)),
      ...(memorization ? { memorized: judged(() => splitAccuracy(model, memorization)) } : {}),
      sharpness: judged(() => measureSharpness(model, data.train, seed)),
      finalTrainLoss: judged(() => splitLoss(model, data.train)),
      curve,
      evaluationsPerStep: {
        gradient: tally.gradient / tally.steps,
        doubleBackprop: tally.doubleBackprop / tally.steps,
      },
      ...(tally.flooded ? { floodAscentFraction: tally.floodAscents / tally.steps } : {}),
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** One optimizer step on the examples `indices` of `split`. */
function trainStep(model: Mlp, optimizer: PluggedOptimizer, split: Split, indices: Int32Array): StepReport {
  const idx = tf.tensor1d(indices, 'int32');
  const x = tf.gather(split.x, idx);
  const y = tf.gather(split.y, idx);
  try {
    return optimizer.step(() => batchLoss(model, x, y), model.variables);
  } finally {
    tf.dispose([idx, x, y]);
  }
}
