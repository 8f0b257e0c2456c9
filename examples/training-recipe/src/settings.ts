import { parseArgs, type FlagSpec } from '@flatopt/example-utils';
import type { RunSettings } from './train';

export interface Flags {
  help: boolean;
  seeds: number;
  epochs: number;
  trainPerDigit: number;
  testPerDigit: number;
  backend: string;
  out: string;
}

/** The example's defaults: about a minute on the wasm backend on 2 cores. */
export const DEFAULT_FLAGS: Flags = {
  help: false,
  seeds: 5,
  epochs: 20,
  trainPerDigit: 100,
  testPerDigit: 300,
  backend: '',
  out: '',
};

const SPEC: FlagSpec<Flags> = {
  seeds: ['seeds', 'integer'],
  epochs: ['epochs', 'integer'],
  'train-per-digit': ['trainPerDigit', 'integer'],
  'test-per-digit': ['testPerDigit', 'integer'],
  backend: ['backend', 'string'],
  out: ['out', 'string'],
};

export const USAGE = `usage: pnpm --filter @flatopt/example-training-recipe start [-- flags]
  --seeds N            seeds per variant (default ${DEFAULT_FLAGS.seeds})
  --epochs N           epochs per run (default ${DEFAULT_FLAGS.epochs})
  --train-per-digit N  training digits per class (default ${DEFAULT_FLAGS.trainPerDigit})
  --test-per-digit N   test digits per class (default ${DEFAULT_FLAGS.testPerDigit})
  --backend NAME       tensorflow, wasm or cpu (default: the first that works)
  --out DIR            also write recipe.json and recipe.md there`;

export const parseFlags = (argv: readonly string[]): Flags => parseArgs(argv, SPEC, DEFAULT_FLAGS, USAGE);

/** Batch 64, 128 hidden units; the recipe's numbers are common starting points, not tuned here. */
export function runSettings(flags: Flags, trainSize: number): RunSettings {
  const batchSize = 64;
  const stepsPerEpoch = Math.floor(trainSize / batchSize);
  return {
    epochs: flags.epochs,
    batchSize,
    hidden: 128,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * flags.epochs,
    learningRate: 1e-3,
    peakLearningRate: 3e-3,
    warmupFraction: 0.1,
    weightDecay: 0.05,
    maxGradNorm: 1,
    rho: 0.05,
    microBatches: 4,
    swaFraction: 0.25,
    swaLearningRateFraction: 0.2,
  };
}
