import * as tf from '@tensorflow/tfjs-core';
import {
  checkBoolean,
  checkHyperparameter,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  FlatoptError,
  registerPlugin,
  valueAt,
  type Evaluation,
  type Grads,
  type Hyperparameter,
  type NamedTensor,
  type Plugin,
  type PluginConfig,
  type StepContext,
} from '@flatopt/core';
import { ascent, type AscentRule } from './ascent';

export interface SamOptions {
  /** Radius ρ of the ascent (≥ 0; a number or a schedule). Default 0.05 (Foret et al., CIFAR-10). */
  rho?: Hyperparameter;
  /** ASAM: scale the ascent by T = |w| + eta (Kwon et al. 2021). Default false. */
  adaptive?: boolean;
  /** ASAM's η in T = |w| + η (≥ 0). Default 0.01, as in the official ASAM code. */
  eta?: number;
  /** Which variables ASAM scales: 'weights' (rank ≥ 2: kernels; default, as official ASAM leaves biases unscaled) or 'all'. */
  adaptiveScope?: 'weights' | 'all';
  /** false: unnormalized SAM, ε̂ = ρ·g (Karakida et al.'s forward GR with γ = ε = ρ). Default true. */
  normalize?: boolean;
  /** Amortized ascent: a fresh ascent every `every` steps, the last ε̂ reused in between (cost 1 + 1/k). Default 1. */
  every?: number;
  /** Instance name (default 'sam'). */
  name?: string;
}

const OWNER = 'sam';
const KEYS = ['rho', 'adaptive', 'eta', 'adaptiveScope', 'normalize', 'every', 'name'];
let instances = 0;

/**
 * Sharpness-aware minimization (Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021): minimize
 * max_{‖ε‖≤ρ} L(θ + ε) by one ascent step ε̂ = ρ·g/‖g‖ and the gradient there, G = ∇L(θ + ε̂),
 * both on the same minibatch; the wrapped optimizer steps with G from θ. Variants:
 * `adaptive` — ASAM (Kwon et al., ICML 2021), ε̂ = ρ·T²g/‖Tg‖ with T = |w| + η, invariant to
 * neuron-wise rescaling of ReLU nets (η = 0); `normalize: false` — unnormalized SAM, ε̂ = ρ·g;
 * `every: k` — a fresh ascent one step in k, the stored ε̂ reused in between.
 *
 * Costs 2 gradient evaluations (1 + 1/k with `every: k`; 1 with ρ = 0, which is the wrapped
 * optimizer exactly). BatchNorm statistics and fit's metrics come from the evaluation at θ —
 * except on the in-between steps of `every: k > 1`, which evaluate only at θ + ε̂ and report
 * that loss. No NaN at a zero gradient: ε̂ is then 0. Records `gradNorm`, `ascentNorm`,
 * `perturbedLoss` L(θ + ε̂) and `sharpness` L(θ + ε̂) − L(θ) (on ascent steps).
 */
export function sam(options: SamOptions = {}): Plugin {
  checkKnownKeys(OWNER, options, KEYS);
  const rho = checkHyperparameter(OWNER, 'rho', options.rho ?? 0.05, { min: 0 });
  const adaptive = checkBoolean(OWNER, 'adaptive', options.adaptive ?? false);
  const eta = checkNumber(OWNER, 'eta', options.eta ?? 0.01, { min: 0 });
  const adaptiveScope = checkOneOf(OWNER, 'adaptiveScope', options.adaptiveScope ?? 'weights', [
    'weights',
    'all',
  ]);
  const normalize = checkBoolean(OWNER, 'normalize', options.normalize ?? true);
  const every = checkNumber(OWNER, 'every', options.every ?? 1, { min: 1, integer: true });
  const name = options.name ?? OWNER;
  const rule: AscentRule = {
    normalize,
    adaptive,
    eta,
    adaptiveOn: adaptiveScope === 'all' ? () => true : (v) => v.rank >= 2,
  };
  const id = ++instances;
  // The last ascent ε̂, kept between steps for `every > 1` (variables: created once, never in a
  // tidy's care). A refresh step writes the new ε̂ to `staged` while it evaluates and commits it
  // to `stored` in the apply stage, so a step that is not applied (non-finite, or a throw) leaves
  // the stored ascent as it was; on the device path the guard undoes the commit like any update.
  let stored: Array<tf.Variable | null> = [];
  let staged: Array<tf.Variable | null> = [];
  let pending = false;

  const variableFor = (slot: string, i: number, value: tf.Tensor) =>
    tf.variable(value, false, `flatopt/sam-${id}/${slot}${i}`);

  const stage = (shift: Grads, scale: number | tf.Scalar) =>
    tf.tidy(() =>
      shift.forEach((s, i) => {
        if (!s) return;
        const value = tf.mul(s, scale);
        if (staged[i]) staged[i]!.assign(value);
        else staged[i] = variableFor('staged', i, value);
        // Created here, before the apply stage, so the commit only ever assigns to it.
        stored[i] ??= variableFor('ascent', i, tf.zerosLike(value));
      }),
    );

  const commit = () => {
    if (!pending) return;
    pending = false;
    staged.forEach((v, i) => v && stored[i]!.assign(v));
  };

  const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
    pending = false;
    const r = valueAt(rho, ctx.iteration);
    if (r === 0) return next();
    const reuse = every > 1 && ctx.iteration % every !== 0 && stored.length === ctx.variables.length;
    if (reuse) {
      const there = ctx.probe(stored, 1, next);
      ctx.record('perturbedLoss', there.loss);
      return there;
    }
    const here = next();
    const a = ascent(here.grads, ctx.variables, r, rule);
    ctx.record('gradNorm', a.gradNorm);
    ctx.record('ascentNorm', a.norm);
    if (every > 1) {
      if (stored.length !== ctx.variables.length) {
        stored = ctx.variables.map(() => null);
        staged = ctx.variables.map(() => null);
      }
      stage(a.shift, a.scale);
      pending = true;
    }
    const there = ctx.probe(a.shift, a.scale, next);
    ctx.record('perturbedLoss', there.loss);
    ctx.record('sharpness', () => tf.sub(there.loss, here.loss) as tf.Scalar);
    return { ...there, loss: here.loss, perExample: here.perExample };
  };

  const apply = (_ctx: StepContext, grads: Grads, next: (grads: Grads) => void) => {
    next(grads);
    commit();
  };

  const config: PluginConfig = { rho, adaptive, eta, adaptiveScope, normalize, every };
  return {
    name,
    type: OWNER,
    evaluate,
    ...(every > 1 ? { apply } : {}),
    getConfig: () => config,
    async getWeights(): Promise<NamedTensor[]> {
      return stored.flatMap((v, i) => (v ? [{ name: `ascent${i}`, tensor: v }] : []));
    },
    async setWeights(weights: NamedTensor[]): Promise<void> {
      for (const w of weights) {
        const i = Number(/^ascent(\d+)$/.exec(w.name)?.[1] ?? NaN);
        if (!Number.isInteger(i))
          throw new FlatoptError(`${name}: setWeights got an unknown weight '${w.name}'.`);
        if (stored[i]) stored[i]!.assign(w.tensor);
        else stored[i] = variableFor('ascent', i, w.tensor);
      }
      // A restored list is complete only if every slot the weights name is there; holes stay null.
      stored = Array.from({ length: stored.length }, (_, i) => stored[i] ?? null);
    },
    dispose() {
      tf.dispose([...stored, ...staged].filter((v): v is tf.Variable => v !== null));
      stored = [];
      staged = [];
    },
  };
}

registerPlugin(OWNER, (config, name) => sam({ ...(config as SamOptions), name }));
