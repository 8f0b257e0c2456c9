import * as tf from '@tensorflow/tfjs-core';
import { totalSteps, type Config, type Hyperparameters } from './config';
import { ADAM, BACKWARD_GR, DOUBLE_BACKPROP_GR, FORWARD_GR, type Method } from './methods';
import { Progress, type ProgressStream } from './progress';
import { disposeDigits, prepareDigits } from './run';
import { formatPercent, meanSd, type MeanSd } from './stats';
import { trainRun, type RunResult } from './train';
import { formatComparison, pairedComparison, type Comparison } from '@flatopt/example-utils';

/** One arm of an experiment: a method with some hyperparameters changed. */
export interface Arm {
  readonly label: string;
  readonly method: Method;
  readonly overrides?: Partial<Hyperparameters>;
}

/** A paper's claim, put to the demo's model and data. */
export interface Experiment {
  readonly key: string;
  readonly paper: string;
  readonly claim: string;
  readonly labelNoise: number;
  /** The arm every other one is compared with (paired t-test over seeds). */
  readonly reference: string;
  readonly arms: readonly Arm[];
}

/**
 * Plain minibatch SGD, θ ← θ − h·g: the discrete gradient descent Barrett & Dherin analyse (no
 * momentum), for the learning-rate experiment only.
 */
export const PLAIN_SGD: Method = {
  key: 'gd',
  label: 'SGD',
  paper: 'Barrett & Dherin, ICLR 2021',
  settings: (hp) => `lr ${hp.sgdLearningRate}`,
  optimizer: (hp) => tf.train.sgd(hp.sgdLearningRate),
  plugins: () => [],
};

const GAMMA = 0.05;
const gr = (method: Method, epsilon: number, name: string): Arm => ({
  label: `${name} γ ${GAMMA} ε ${epsilon}`,
  method,
  overrides: { grGamma: GAMMA, grEpsilon: epsilon },
});

/**
 * The claims of issue 13, item 3, at the demo's scale (784-64-10 MLP, 1,000 digits, 240 steps).
 * Flooding's claim (a validated level delays memorization) needs no run of its own: the sweep
 * measured the validated level under label noise (see the README).
 */
export const EXPERIMENTS: readonly Experiment[] = [
  {
    key: 'karakida',
    paper: 'Karakida, Takase, Hayase & Osawa, ICML 2023',
    claim:
      'at matched γ, forward finite-difference GR generalizes at least as well as double backprop and better than backward GR, and a larger ε helps',
    labelNoise: 0.4,
    reference: `F-GR γ ${GAMMA} ε 0.05`,
    arms: [
      { label: 'Adam', method: ADAM },
      gr(FORWARD_GR, 0.01, 'F-GR'),
      gr(FORWARD_GR, 0.05, 'F-GR'),
      gr(FORWARD_GR, 0.2, 'F-GR'),
      gr(BACKWARD_GR, 0.05, 'B-GR'),
      { label: `DB-GR γ ${GAMMA}`, method: DOUBLE_BACKPROP_GR, overrides: { grGamma: GAMMA } },
    ],
  },
  {
    key: 'barrett-dherin',
    paper: 'Barrett & Dherin, ICLR 2021',
    claim:
      'a larger learning rate ends at a smaller top Hessian eigenvalue and R_IG and, until it is unstable, a better test accuracy',
    labelNoise: 0,
    reference: 'SGD lr 0.01',
    arms: [0.01, 0.03, 0.1, 0.3, 1].map((lr) => ({
      label: `SGD lr ${lr}`,
      method: PLAIN_SGD,
      overrides: { sgdLearningRate: lr },
    })),
  },
];

export interface ArmResult {
  readonly label: string;
  readonly settings: string;
  readonly testAccuracy: MeanSd;
  readonly bestTestAccuracy: MeanSd;
  readonly memorized?: MeanSd;
  readonly topEigenvalue: MeanSd;
  readonly rIg: MeanSd;
  /** Final test accuracy against the reference arm's, same seeds (absent for the reference). */
  readonly vsReference?: Comparison;
}

export interface ExperimentResult {
  readonly key: string;
  readonly paper: string;
  readonly claim: string;
  readonly labelNoise: number;
  readonly reference: string;
  readonly arms: ArmResult[];
}

/** Trains every arm from seeds 1..config.seeds on the experiment's data and compares each with the reference. */
export function runExperiment(
  experiment: Experiment,
  config: Config,
  stream: ProgressStream,
  interactive: boolean,
): ExperimentResult {
  const scenario = { ...config, labelNoise: experiment.labelNoise };
  const data = prepareDigits(scenario);
  const steps = totalSteps(scenario);
  const progress = new Progress({
    totalWork: experiment.arms.length * config.seeds * steps,
    stream,
    interactive,
  });
  try {
    const runs = new Map<string, RunResult[]>();
    for (const arm of experiment.arms) {
      const hyperparameters = { ...config.hyperparameters, ...arm.overrides };
      const own = Array.from({ length: config.seeds }, (_, i) => {
        progress.begin(`${arm.label} seed ${i + 1}`, steps);
        const run = trainRun(arm.method, i + 1, data, { ...scenario, hyperparameters }, (s) =>
          progress.tick(s),
        );
        progress.end();
        return run;
      });
      runs.set(arm.label, own);
    }
    progress.close();
    const reference = runs.get(experiment.reference)!;
    const arms = experiment.arms.map((arm): ArmResult => {
      const own = runs.get(arm.label)!;
      const memorized = own.map((r) => r.memorized).filter((m): m is number => m !== undefined);
      return {
        label: arm.label,
        settings: arm.method.settings({ ...config.hyperparameters, ...arm.overrides }),
        testAccuracy: meanSd(own.map((r) => r.testAccuracy)),
        bestTestAccuracy: meanSd(own.map((r) => r.bestTestAccuracy)),
        ...(memorized.length > 0 ? { memorized: meanSd(memorized) } : {}),
        topEigenvalue: meanSd(own.map((r) => r.sharpness.topEigenvalue)),
        rIg: meanSd(own.map((r) => r.sharpness.rIg)),
        ...(arm.label === experiment.reference
          ? {}
          : {
              vsReference: pairedComparison(
                own.map((r) => r.testAccuracy),
                reference.map((r) => r.testAccuracy),
              ),
            }),
      };
    });
    const { key, paper, claim, labelNoise } = experiment;
    return { key, paper, claim, labelNoise, reference: experiment.reference, arms };
  } finally {
    disposeDigits(data);
  }
}

/** The claim, then one line per arm: accuracies, memorization, sharpness, and the test against the reference. */
export function formatExperiment(result: ExperimentResult): string {
  const lines = [`${result.paper}: ${result.claim}.`];
  for (const arm of result.arms) {
    const memorized = arm.memorized ? `, noisy labels fit ${formatPercent(arm.memorized)}` : '';
    const versus = arm.vsReference
      ? `; vs ${result.reference}: ${formatComparison(arm.vsReference)}`
      : ' (reference)';
    lines.push(
      `  ${arm.label}: test ${formatPercent(arm.testAccuracy)} (best ${formatPercent(arm.bestTestAccuracy)})${memorized}, ` +
        `λ_max ${arm.topEigenvalue.mean.toPrecision(3)}, R_IG ${arm.rIg.mean.toExponential(2)}${versus}`,
    );
  }
  return lines.join('\n');
}
