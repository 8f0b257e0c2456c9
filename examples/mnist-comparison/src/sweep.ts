import * as tf from '@tensorflow/tfjs-core';
import { loadDigitsWithValidation } from '@flatopt/example-utils';
import {
  DEFAULT_HYPERPARAMETERS,
  totalSteps,
  validateConfig,
  type Config,
  type Hyperparameters,
} from './config';
import { selectMethods } from './methods';
import { flipLabels } from './noise';
import { Progress, type ProgressStream } from './progress';
import { meanSd, type MeanSd } from './stats';
import { trainRun, type Digits } from './train';

/** A hyperparameter the sweep chooses, the method it is tried with, and the values tried. */
export interface SweepAxis {
  readonly parameter: keyof Hyperparameters;
  readonly method: string;
  readonly values: readonly number[];
}

/**
 * What `--sweep` tries, one axis at a time with every other value at its default. The ranges
 * bracket the papers' values: ρ (with its warm-up) 0.05 (Foret et al.'s CIFAR-10) to 1 (ASAM's
 * range); γ = ε from Karakida et al.'s small γ to the strong regime; flood levels from near zero
 * (clean training loss ~0.14) to above the noisy-label training loss (~1.2 under 40% noise), as
 * Ishida et al. search a grid by validation; SGD's learning rate around the demo's 0.05.
 */
export const SWEEP_AXES: readonly SweepAxis[] = [
  { parameter: 'samWarmRho', method: 'sam-warm', values: [0.05, 0.1, 0.2, 0.5, 1] },
  { parameter: 'grStrong', method: 'fgr-strong', values: [0.02, 0.05, 0.1, 0.2, 0.5] },
  { parameter: 'floodLevel', method: 'flood', values: [0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.6] },
  { parameter: 'sgdLearningRate', method: 'sgd', values: [0.01, 0.05, 0.1] },
];

/** Digits per class in the validation split: the samples between the training and test ones. */
export const VALIDATION_PER_DIGIT = 100;

/** One value tried: final validation accuracy over the sweep's seeds, and λ_max at the end. */
export interface SweepPoint {
  readonly value: number;
  readonly accuracy: MeanSd;
  readonly topEigenvalue: number;
}

export interface SweepScenario {
  readonly labelNoise: number;
  readonly axes: ReadonlyArray<{ parameter: keyof Hyperparameters; method: string; points: SweepPoint[] }>;
  /** Per parameter, the value with the highest mean final validation accuracy. */
  readonly chosen: Partial<Hyperparameters>;
}

/**
 * Training split and validation split for the sweep. With label noise both get it (separate
 * draws): a user tuning on noisy data has only noisy validation labels. Under symmetric noise the
 * expected accuracy on noisy labels is 0.6·a + 0.4·(1 − a)/9 for clean accuracy a, increasing in
 * a, so the noisy validation accuracy ranks settings as the clean one would. The test split is
 * never loaded into the sweep's choice (it is disposed unread).
 */
export function sweepDigits(config: Config): Digits {
  const { train, validation, test } = loadDigitsWithValidation(
    config.trainPerDigit,
    VALIDATION_PER_DIGIT,
    config.testPerDigit,
    config.dataSeed,
  );
  tf.dispose([test.x, test.y]);
  if (config.labelNoise === 0) return { train, test: validation };
  const noisyTrain = flipLabels(train.y, config.labelNoise, config.dataSeed + 1);
  const noisyValidation = flipLabels(validation.y, config.labelNoise, config.dataSeed + 2);
  tf.dispose([train.y, validation.y]);
  return {
    train: { x: train.x, y: noisyTrain.y },
    test: { x: validation.x, y: noisyValidation.y },
  };
}

/** The point with the highest mean accuracy (the first on a tie). */
export function best(points: readonly SweepPoint[]): SweepPoint {
  return points.reduce((a, b) => (b.accuracy.mean > a.accuracy.mean ? b : a));
}

/**
 * Runs every axis of `axes` on one configuration (`config.labelNoise`), `seeds` seeds per value,
 * scoring each value by its final accuracy on the validation split.
 */
export function sweepScenario(
  config: Config,
  seeds: number,
  stream: ProgressStream,
  interactive: boolean,
  axes: readonly SweepAxis[] = SWEEP_AXES,
): SweepScenario {
  validateConfig(config);
  const data = sweepDigits(config);
  const steps = totalSteps(config);
  const runs = axes.reduce((n, a) => n + a.values.length, 0) * seeds;
  const progress = new Progress({ totalWork: runs * steps, stream, interactive });
  try {
    const results = axes.map((axis) => {
      const [method] = selectMethods([axis.method]);
      const points = axis.values.map((value) => {
        const hyperparameters = { ...config.hyperparameters, [axis.parameter]: value };
        const trained = Array.from({ length: seeds }, (_, i) => {
          progress.begin(`${axis.parameter} ${value} seed ${i + 1}`, steps);
          const run = trainRun(method, i + 1, data, { ...config, hyperparameters }, (s) => progress.tick(s));
          progress.end();
          return run;
        });
        return {
          value,
          accuracy: meanSd(trained.map((r) => r.testAccuracy)),
          topEigenvalue: meanSd(trained.map((r) => r.sharpness.topEigenvalue)).mean,
        };
      });
      return { parameter: axis.parameter, method: axis.method, points };
    });
    progress.close();
    const chosen = Object.fromEntries(results.map((r) => [r.parameter, best(r.points).value]));
    return { labelNoise: config.labelNoise, axes: results, chosen };
  } finally {
    tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
  }
}

/** The hyperparameters the comparison uses at `labelNoise`: the defaults, with the sweep's choices for it. */
export function hyperparametersFor(
  labelNoise: number,
  sweep: { scenarios: ReadonlyArray<Pick<SweepScenario, 'labelNoise' | 'chosen'>> } | undefined,
  defaults: Hyperparameters = DEFAULT_HYPERPARAMETERS,
): { hyperparameters: Hyperparameters; swept: boolean } {
  const found = sweep?.scenarios.find((s) => s.labelNoise === labelNoise);
  return found
    ? { hyperparameters: { ...defaults, ...found.chosen }, swept: true }
    : { hyperparameters: defaults, swept: false };
}

/** "ρ warm-up samWarmRho: 0.05 → 79.1 ± 0.3, 0.1 → … (chosen 0.5)" lines, one per axis. */
export function formatSweep(scenario: SweepScenario): string {
  return scenario.axes
    .map(({ parameter, method, points }) => {
      const chosen = best(points).value;
      const cells = points.map(
        (p) =>
          `${p.value}: ${(100 * p.accuracy.mean).toFixed(1)} ± ${(100 * p.accuracy.sd).toFixed(1)}` +
          `${p.value === chosen ? ' ←' : ''}`,
      );
      return `  ${parameter} (${method}): ${cells.join(', ')}`;
    })
    .join('\n');
}
