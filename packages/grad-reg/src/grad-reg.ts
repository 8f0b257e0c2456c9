import {
  bounds,
  definePlugin,
  enableSecondOrderGradients,
  type Evaluation,
  FlatoptError,
  type Hyperparameter,
  option,
  type OptionsOf,
  type Plugin,
  type StepContext,
  valueAt,
} from '@flatopt/core';
import { doubleBackprop, SecondOrderUnsupported } from './double-backprop';
import { finiteDifference, type FiniteDifferenceMethod, type Penalty } from './finite-difference';

export type GradRegMethod = 'forward' | 'backward' | 'central' | 'double-backprop';

const OWNER = 'gradReg';

const schema = {
  /** Strength of the squared penalty (γ/2)·‖∇L‖² (Karakida et al.); ≥ 0, default 0.01. */
  gamma: option.hyperparameter({ min: 0, optional: true }),
  /** Strength of the norm penalty λ·‖∇L‖ (Zhao et al.), with `penalty: 'norm'`; ≥ 0, required there. */
  lambda: option.hyperparameter({ min: 0, optional: true }),
  /**
   * The ascent step of the finite difference: ε·g for the squared penalty, radius r of r·g/‖g‖
   * for the norm penalty. Nonzero (a negative ε turns forward into backward); default 0.05.
   */
  epsilon: option.hyperparameter({ default: 0.05 }),
  /** 'forward' (default, 2 gradients), 'backward' (2), 'central' (3), 'double-backprop' (exact H∇L). */
  method: option.oneOf<GradRegMethod, 'forward'>(['forward', 'backward', 'central', 'double-backprop'], {
    default: 'forward',
  }),
  /** 'squared' (default) or 'norm'. */
  penalty: option.oneOf<Penalty, 'squared'>(['squared', 'norm'], { default: 'squared' }),
  /** When double backprop cannot be trusted here: 'error' (default) or switch to 'forward' with a warning. */
  fallback: option.oneOf(['error', 'forward'], { default: 'error' }),
};

/** gradReg's options; `name` is the instance name (default 'gradReg'): give two instances in one stack different names. */
export type GradRegOptions = OptionsOf<typeof schema>;

/**
 * Gradient regularization (Karakida, Takase, Hayase & Osawa, "Understanding Gradient
 * Regularization in Deep Learning: Efficient Finite-Difference Computation and Implicit Bias",
 * ICML 2023): train on L + (γ/2)·‖∇L‖², whose gradient is ∇L + γ·H∇L.
 *
 * - `method: 'forward'` (default): G = (1 − γ/ε)·g + (γ/ε)·∇L(θ + ε·g), an ascent step then a
 *   descent step — two gradients, cheaper than double backprop and, in the paper, better.
 * - `'backward'`: the same with −ε (weaker implicit bias); `'central'`: three gradients, O(ε²).
 * - `'double-backprop'`: the exact H∇L by a gradient of the gradient. Turns on
 *   `enableSecondOrderGradients()` (global; first-order gradients unchanged bit for bit), and
 *   refuses losses whose second derivative tfjs gets wrong (use `softmaxCrossEntropy` from this
 *   package) unless `fallback: 'forward'`.
 * - `penalty: 'norm'`: Zhao et al.'s λ·‖∇L‖ with a normalized ascent of radius ε and weight
 *   α = λ/ε (`alphaFromLambda`); α = 1 is SAM with ρ = ε.
 *
 * Records per step (no sync): `gradNormSq` ‖g‖², `penalty`, `cosine` between g and the second
 * gradient. With γ = 0 it is the wrapped optimizer exactly. Forward GR with γ = ε is unnormalized
 * SAM; flooding performs it implicitly (SCIENCE.md §2.6).
 */
export const gradReg: (options?: GradRegOptions) => Plugin = definePlugin({
  type: OWNER,
  options: schema,
  create: (o, name) => {
    const { method, penalty, fallback } = o;
    const strength = checkStrength(o.gamma, o.lambda, penalty);
    const epsilon = checkEpsilon(o.epsilon, method !== 'double-backprop' || fallback === 'forward');
    if (method === 'double-backprop') enableSecondOrderGradients();
    let fellBack = false;

    const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
      const s = valueAt(strength, ctx.iteration);
      const e = valueAt(epsilon, ctx.iteration);
      // γ = 0 takes the finite-difference path, which returns the plain gradient without a probe.
      if (method !== 'double-backprop' || s === 0)
        return finiteDifference(ctx, next, fdMethod(method), penalty, s, e);
      if (!fellBack) {
        try {
          return doubleBackprop(ctx, penalty, s);
        } catch (error) {
          if (!(error instanceof SecondOrderUnsupported)) throw error;
          if (fallback === 'error' || error.firstOrderToo) {
            throw new FlatoptError(
              `${name}: method 'double-backprop' is not usable here: ${error.reason}. Nothing was applied. ` +
                (error.firstOrderToo
                  ? ''
                  : `Pass fallback: 'forward' to switch to finite differences automatically.`),
            );
          }
          fellBack = true;
          console.warn(
            `${name}: double backprop is not usable here (${error.reason}); using method 'forward' from now on.`,
          );
        }
      }
      return finiteDifference(ctx, next, 'forward', penalty, s, e);
    };
    return { evaluate };
  },
});

function fdMethod(method: GradRegMethod): FiniteDifferenceMethod {
  return method === 'double-backprop' ? 'forward' : method;
}

/** γ belongs to the squared penalty and λ to the norm penalty; the other must not be given. */
function checkStrength(
  gamma: Hyperparameter | undefined,
  lambda: Hyperparameter | undefined,
  penalty: Penalty,
): Hyperparameter {
  const [used, other] = penalty === 'squared' ? ['gamma', 'lambda'] : ['lambda', 'gamma'];
  if ((penalty === 'squared' ? lambda : gamma) !== undefined) {
    throw new FlatoptError(
      `${OWNER}: option '${other}' does not apply to penalty '${penalty}'; the strength of the ${penalty} penalty is '${used}'.`,
    );
  }
  if (penalty === 'squared') return gamma ?? 0.01;
  if (lambda === undefined) {
    throw new FlatoptError(`${OWNER}: penalty 'norm' needs option 'lambda' (≥ 0), the strength of λ·‖∇L‖.`);
  }
  return lambda;
}

/** ε must be nonzero and keep one sign: the finite difference divides by it, and its sign picks the direction. */
function checkEpsilon(epsilon: Hyperparameter, needed: boolean): Hyperparameter {
  const [lo, hi] = bounds(epsilon);
  if (needed && lo <= 0 && hi >= 0) {
    const what = typeof epsilon === 'number' ? `got ${epsilon}` : `the schedule spans [${lo}, ${hi}]`;
    throw new FlatoptError(
      `${OWNER}: option 'epsilon' must be a nonzero finite number (or a schedule that stays on one side of 0) for a finite-difference method; ${what}.`,
    );
  }
  return epsilon;
}
