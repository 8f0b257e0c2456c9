/**
 * What one comparison run trains and measures. Two presets: `DEFAULT_CONFIG` (about 5 minutes on two
 * cores with the wasm backend for the default seven methods, timing included) and `FULL_CONFIG` (`--full`: more data, a wider
 * hidden layer, more epochs and seeds).
 */

/** Every method's hyperparameters, taken from the packages' READMEs and the papers (see methods.ts). */
export interface Hyperparameters {
  /** SGD with heavy-ball momentum: learning rate and momentum coefficient. */
  readonly sgdLearningRate: number;
  readonly sgdMomentum: number;
  /** Adam's learning rate (β₁ = 0.9, β₂ = 0.999, tfjs' defaults); every plugin wraps this Adam. */
  readonly adamLearningRate: number;
  /** SAM radius ρ (Foret et al.: 0.05). */
  readonly samRho: number;
  /** ASAM radius ρ and η in T = |w| + η (Kwon et al.: ρ ≈ 0.5–2, η = 0.01). */
  readonly asamRho: number;
  readonly asamEta: number;
  /** SAM with a ρ warm-up: the final ρ and the steps to reach it from 0. */
  readonly samWarmRho: number;
  readonly samWarmSteps: number;
  /** Forward GR in the γ = ε regime: the common value. */
  readonly grStrong: number;
  /** Gradient regularization strength γ of (γ/2)·‖∇L‖² and finite-difference step ε (Karakida et al.). */
  readonly grGamma: number;
  readonly grEpsilon: number;
  /**
   * Flood level b (Ishida et al.): about 1.5× the final training loss of plain Adam in the same
   * configuration (measured: 0.14 by default, 0.047 with --full), so the training loss reaches b
   * in the last part of the run and flooding acts; a level below the loss a run reaches never
   * triggers, and the method is then plain Adam.
   */
  readonly floodLevel: number;
  /** EMA decay d (@flatopt/averaging): a horizon of about 1/(1 − d) steps, one epoch by default. */
  readonly emaDecay: number;
  /**
   * SWA (Izmailov et al.): the first averaged step and the steps between snapshots — from half
   * of training, once per epoch, as the paper snapshots (it starts at 75 % of a longer budget).
   */
  readonly swaStart: number;
  readonly swaEvery: number;
}

export interface Config {
  /** Training and test digits per class, from `loadDigits` (at most 863 together). */
  readonly trainPerDigit: number;
  readonly testPerDigit: number;
  /** Seed of the fixed train/test split (and, plus one, of the label noise). */
  readonly dataSeed: number;
  /** Share of training labels replaced by a wrong class (symmetric noise, one fixed draw); 0: clean. */
  readonly labelNoise: number;
  /** Units of the MLP's hidden ReLU layer: 784-hidden-10. */
  readonly hidden: number;
  readonly batch: number;
  readonly epochs: number;
  /** Seeds 1..seeds: each seed fixes the initial weights and the minibatch order, the same for every method. */
  readonly seeds: number;
  /** Points on each learning curve (train loss and test accuracy), evenly spaced in steps. */
  readonly curvePoints: number;
  /** Interleaved timing: untimed warm-up rounds, then timed rounds (every method steps once per round). */
  readonly timingWarmup: number;
  readonly timingRounds: number;
  readonly hyperparameters: Hyperparameters;
}

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  sgdLearningRate: 0.05,
  sgdMomentum: 0.9,
  adamLearningRate: 1e-3,
  samRho: 0.05,
  samWarmRho: 0.5,
  samWarmSteps: 160,
  grStrong: 0.2,
  asamRho: 0.5,
  asamEta: 0.01,
  grGamma: 0.01,
  grEpsilon: 0.05,
  floodLevel: 0.2,
  emaDecay: 0.95,
  swaStart: 120,
  swaEvery: 20,
};

export const DEFAULT_CONFIG: Config = {
  trainPerDigit: 100,
  testPerDigit: 300,
  dataSeed: 42,
  labelNoise: 0,
  hidden: 64,
  batch: 50,
  epochs: 12,
  seeds: 5,
  curvePoints: 12,
  timingWarmup: 5,
  timingRounds: 60,
  hyperparameters: DEFAULT_HYPERPARAMETERS,
};

export const FULL_CONFIG: Config = {
  ...DEFAULT_CONFIG,
  trainPerDigit: 500,
  testPerDigit: 300,
  hidden: 128,
  epochs: 10,
  seeds: 5,
  curvePoints: 24,
  timingWarmup: 10,
  timingRounds: 100,
  hyperparameters: {
    ...DEFAULT_HYPERPARAMETERS,
    floodLevel: 0.07,
    emaDecay: 0.99,
    swaStart: 500,
    swaEvery: 100,
  },
};

/** Optimizer steps per epoch: whole minibatches only (the last partial batch of a shuffle is dropped). */
export function stepsPerEpoch(config: Config): number {
  return Math.floor((10 * config.trainPerDigit) / config.batch);
}

export function totalSteps(config: Config): number {
  return stepsPerEpoch(config) * config.epochs;
}

/** Throws a RangeError naming the field when a configuration cannot run. */
export function validateConfig(config: Config): Config {
  const integers: Array<keyof Config> = [
    'trainPerDigit',
    'testPerDigit',
    'hidden',
    'batch',
    'epochs',
    'seeds',
    'curvePoints',
    'timingRounds',
  ];
  for (const key of integers) {
    const v = config[key];
    if (!(Number.isInteger(v) && (v as number) >= 1)) {
      throw new RangeError(`config.${key} must be an integer ≥ 1; got ${String(v)}`);
    }
  }
  if (!(Number.isInteger(config.timingWarmup) && config.timingWarmup >= 0)) {
    throw new RangeError(`config.timingWarmup must be an integer ≥ 0; got ${config.timingWarmup}`);
  }
  if (stepsPerEpoch(config) < 1) {
    throw new RangeError(
      `config.batch (${config.batch}) exceeds the ${10 * config.trainPerDigit} training digits`,
    );
  }
  return config;
}
