import * as tf from '@tensorflow/tfjs-core';
import { linear, withPlugins, type Plugin, type PluggedOptimizer } from '@flatopt/core';
import { ema, swa } from '@flatopt/averaging';
import { flooding } from '@flatopt/flooding';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from '@flatopt/sam';
import { weightNorm } from '@flatopt/weight-norm';
import type { Hyperparameters } from './config';
import { momentumOptimizer } from './momentum';

/** One contender: a wrapped tf.train optimizer and the plugins around it (outermost first). */
export interface Method {
  /** Short name for `--methods`. */
  readonly key: string;
  /** Name in the table, the charts and the JSON. */
  readonly label: string;
  /** The paper the method and its hyperparameters come from. */
  readonly paper: string;
  /** Its hyperparameters, as printed. */
  settings(hp: Hyperparameters): string;
  optimizer(hp: Hyperparameters): tf.Optimizer;
  plugins(hp: Hyperparameters): Plugin[];
  /**
   * For weight averaging: the steps after which the average exists. From then on the run is
   * evaluated (test accuracy, memorization, sharpness, loss) with the averaged weights swapped in.
   */
  averagedFrom?(hp: Hyperparameters): number;
}

const adam = (hp: Hyperparameters) => tf.train.adam(hp.adamLearningRate);
const adamSettings = (hp: Hyperparameters) => `Adam lr ${hp.adamLearningRate}`;
const floodPlugin = (hp: Hyperparameters) => flooding({ level: hp.floodLevel });
const fgrPlugin = (hp: Hyperparameters) => gradReg({ gamma: hp.grGamma, epsilon: hp.grEpsilon });
const samPlugin = (hp: Hyperparameters) => sam({ rho: hp.samRho });

/**
 * SGD with heavy-ball momentum (Polyak 1964; Sutskever et al., ICML 2013):
 * v ← μ·v + g, θ ← θ − η·v.
 */
export const SGD: Method = {
  key: 'sgd',
  label: 'SGD+momentum',
  paper: 'Polyak 1964; Sutskever, Martens, Dahl & Hinton, ICML 2013',
  settings: (hp) => `lr ${hp.sgdLearningRate}, momentum ${hp.sgdMomentum}`,
  optimizer: (hp) => momentumOptimizer(hp.sgdLearningRate, hp.sgdMomentum),
  plugins: () => [],
};

/** Adam (Kingma & Ba, ICLR 2015): θ ← θ − η·m̂/(√v̂ + ε); the baseline of the timing ratios. */
export const ADAM: Method = {
  key: 'adam',
  label: 'Adam',
  paper: 'Kingma & Ba, ICLR 2015',
  settings: (hp) => `lr ${hp.adamLearningRate}`,
  optimizer: adam,
  plugins: () => [],
};

/**
 * SAM (Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021): ε̂ = ρ·g/‖g‖, then Adam steps with
 * G = ∇L(θ + ε̂). Two gradient evaluations.
 */
export const SAM: Method = {
  key: 'sam',
  label: 'Adam+SAM',
  paper: 'Foret et al., ICLR 2021',
  settings: (hp) => `${adamSettings(hp)}; rho ${hp.samRho}`,
  optimizer: adam,
  plugins: (hp) => [samPlugin(hp)],
};

/**
 * SAM with its radius warmed up: ρ rises linearly from 0 to `samWarmRho` over the first
 * `samWarmSteps` steps, then stays. A large constant ρ stalls early training (measured in issue 13:
 * ρ 0.5 constant ended at 40.7 ± 10.8% under 40% label noise), the warm-up does not. Two evaluations.
 */
export const SAM_WARMUP: Method = {
  key: 'sam-warm',
  label: 'Adam+SAM, ρ warm-up',
  paper: 'Foret et al., ICLR 2021 (ρ schedule: core `linear`)',
  settings: (hp) => `${adamSettings(hp)}; rho 0 → ${hp.samWarmRho} over ${hp.samWarmSteps} steps`,
  optimizer: adam,
  plugins: (hp) => [sam({ rho: linear({ from: 0, to: hp.samWarmRho, steps: hp.samWarmSteps }) })],
};

/**
 * ASAM (Kwon, Kim, Park & Choi, ICML 2021): ε̂ = ρ·T²g/‖Tg‖ with T = |w| + η on the kernels,
 * invariant to rescaling a ReLU unit. Two gradient evaluations.
 */
export const ASAM: Method = {
  key: 'asam',
  label: 'Adam+ASAM',
  paper: 'Kwon et al., ICML 2021',
  settings: (hp) => `${adamSettings(hp)}; rho ${hp.asamRho}, eta ${hp.asamEta}`,
  optimizer: adam,
  plugins: (hp) => [sam({ rho: hp.asamRho, adaptive: true, eta: hp.asamEta })],
};

/**
 * Forward finite-difference gradient regularization (Karakida, Takase, Hayase & Osawa, ICML
 * 2023): the gradient of L + (γ/2)·‖∇L‖² as G = (1 − γ/ε)·g + (γ/ε)·∇L(θ + ε·g). Two evaluations.
 */
export const FORWARD_GR: Method = {
  key: 'fgr',
  label: 'Adam+F-GR',
  paper: 'Karakida et al., ICML 2023',
  settings: (hp) => `${adamSettings(hp)}; gamma ${hp.grGamma}, epsilon ${hp.grEpsilon}`,
  optimizer: adam,
  plugins: (hp) => [fgrPlugin(hp)],
};

/**
 * Forward GR with γ = ε (Karakida et al.'s strong-regularization regime): then w = γ/ε = 1 and
 * G = ∇L(θ + ε·g), the gradient at the ascent point — unnormalized SAM with ρ = ε. Two evaluations.
 */
export const FORWARD_GR_STRONG: Method = {
  key: 'fgr-strong',
  label: 'Adam+F-GR, γ = ε',
  paper: 'Karakida et al., ICML 2023',
  settings: (hp) => `${adamSettings(hp)}; gamma = epsilon = ${hp.grStrong}`,
  optimizer: adam,
  plugins: (hp) => [gradReg({ gamma: hp.grStrong, epsilon: hp.grStrong })],
};

/** Backward finite-difference GR (Karakida et al.): G = (1 + γ/ε)·g − (γ/ε)·∇L(θ − ε·g). Two evaluations. */
export const BACKWARD_GR: Method = {
  key: 'bgr',
  label: 'Adam+B-GR',
  paper: 'Karakida et al., ICML 2023',
  settings: (hp) => `${adamSettings(hp)}; gamma ${hp.grGamma}, epsilon ${hp.grEpsilon}`,
  optimizer: adam,
  plugins: (hp) => [gradReg({ gamma: hp.grGamma, epsilon: hp.grEpsilon, method: 'backward' })],
};

/**
 * Gradient regularization by double backprop (Drucker & LeCun 1992; Karakida et al., ICML 2023):
 * the exact ∇L + γ·H∇L from a gradient of the gradient. One double-backprop evaluation, which
 * the step report counts apart from first-order ones; needs the second-order-safe loss.
 */
export const DOUBLE_BACKPROP_GR: Method = {
  key: 'db',
  label: 'Adam+DB-GR',
  paper: 'Drucker & LeCun 1992; Karakida et al., ICML 2023',
  settings: (hp) => `${adamSettings(hp)}; gamma ${hp.grGamma}`,
  optimizer: adam,
  plugins: (hp) => [gradReg({ gamma: hp.grGamma, method: 'double-backprop' })],
};

/**
 * Flooding (Ishida, Yamane, Sakai, Niu & Sugiyama, ICML 2020): train on |L − b| + b, i.e. descend
 * above the flood level b and ascend below it. One evaluation.
 */
export const FLOODING: Method = {
  key: 'flood',
  label: 'Adam+flooding',
  paper: 'Ishida et al., ICML 2020',
  settings: (hp) => `${adamSettings(hp)}; level ${hp.floodLevel}`,
  optimizer: adam,
  plugins: (hp) => [floodPlugin(hp)],
};

/**
 * Weight normalization (Salimans & Kingma, NeurIPS 2016) as an optimizer plugin: each kernel is
 * trained as w = g·v/‖v‖ (one radius per output unit). One evaluation.
 */
export const WEIGHT_NORM: Method = {
  key: 'wn',
  label: 'Adam+weight-norm',
  paper: 'Salimans & Kingma, NeurIPS 2016',
  settings: (hp) => `${adamSettings(hp)}; kernels, per output unit`,
  optimizer: adam,
  plugins: () => [weightNorm()],
};

/**
 * An exponential moving average of Adam's iterates (@flatopt/averaging `ema`), evaluated in place
 * of the weights: a ← d·a + (1 − d)·w after every step. One evaluation; training is Adam's, bit for bit.
 */
export const EMA: Method = {
  key: 'ema',
  label: 'Adam, EMA weights',
  paper: 'Polyak & Juditsky 1992; optax ema',
  settings: (hp) => `${adamSettings(hp)}; decay ${hp.emaDecay}`,
  optimizer: adam,
  plugins: (hp) => [ema({ decay: hp.emaDecay })],
  averagedFrom: () => 1,
};

/**
 * Stochastic weight averaging (Izmailov, Podoprikhin, Garipov, Vetrov & Wilson, UAI 2018): the plain
 * mean of Adam's iterates at snapshots from `swaStart` every `swaEvery` steps, evaluated in place
 * of the weights. One evaluation; training is Adam's, bit for bit (the paper's constant or cyclical
 * SWA learning rate is not applied: the demo keeps Adam's).
 */
export const SWA: Method = {
  key: 'swa',
  label: 'Adam, SWA weights',
  paper: 'Izmailov et al., UAI 2018',
  settings: (hp) => `${adamSettings(hp)}; from step ${hp.swaStart}, every ${hp.swaEvery}`,
  optimizer: adam,
  plugins: (hp) => [swa({ start: hp.swaStart, every: hp.swaEvery })],
  averagedFrom: (hp) => hp.swaStart + 1,
};

/** SAM outside flooding: the ascent and the gradient there are of the flooded loss. Two evaluations. */
export const SAM_FLOODING: Method = {
  key: 'sam-flood',
  label: 'Adam+SAM+flooding',
  paper: 'Foret et al. 2021 + Ishida et al. 2020',
  settings: (hp) => `${adamSettings(hp)}; rho ${hp.samRho}; level ${hp.floodLevel}`,
  optimizer: adam,
  plugins: (hp) => [samPlugin(hp), floodPlugin(hp)],
};

/** Forward GR outside flooding: the finite difference of the flooded loss. Two evaluations. */
export const FORWARD_GR_FLOODING: Method = {
  key: 'fgr-flood',
  label: 'Adam+F-GR+flooding',
  paper: 'Karakida et al. 2023 + Ishida et al. 2020',
  settings: (hp) =>
    `${adamSettings(hp)}; gamma ${hp.grGamma}, epsilon ${hp.grEpsilon}; level ${hp.floodLevel}`,
  optimizer: adam,
  plugins: (hp) => [fgrPlugin(hp), floodPlugin(hp)],
};

/** Every method, in table order. */
export const METHODS: readonly Method[] = [
  SGD,
  ADAM,
  SAM,
  SAM_WARMUP,
  ASAM,
  FORWARD_GR,
  FORWARD_GR_STRONG,
  BACKWARD_GR,
  DOUBLE_BACKPROP_GR,
  FLOODING,
  WEIGHT_NORM,
  EMA,
  SWA,
  SAM_FLOODING,
  FORWARD_GR_FLOODING,
];

/**
 * What `pnpm demo` trains unless `--methods` says otherwise: Adam, SAM at its default ρ, and the
 * three methods whose settings `--sweep` chooses on a validation split (SAM with a ρ warm-up,
 * forward GR with γ = ε, flooding), and Adam's weights averaged (EMA, SWA), which cost no extra
 * evaluation. The other methods (`--methods all`) cost time the demo's
 * budget does not have.
 */
export const DEFAULT_METHODS: readonly string[] = [
  'adam',
  'sam',
  'sam-warm',
  'fgr-strong',
  'flood',
  'ema',
  'swa',
];

/** The methods named by `keys` ('all': every one), in table order; throws on an unknown key. */
export function selectMethods(keys: readonly string[] = DEFAULT_METHODS): Method[] {
  if (keys.length === 1 && keys[0] === 'all') return [...METHODS];
  const known = METHODS.map((m) => m.key);
  const unknown = keys.filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new Error(`unknown method '${unknown[0]}'; choose from ${known.join(', ')}`);
  }
  return METHODS.filter((m) => keys.includes(m.key));
}

/** A fresh optimizer for `method`: its tf.train optimizer wrapped with its plugins. */
export function buildOptimizer(method: Method, hp: Hyperparameters): PluggedOptimizer {
  return withPlugins(method.optimizer(hp), ...method.plugins(hp));
}
