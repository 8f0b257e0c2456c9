import {
  definePlugin,
  FlatoptError,
  option,
  type Evaluation,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';
import { gradReg, type GradRegMethod } from '@flatopt/grad-reg';

// Every gradReg method, once each (`satisfies` fails to compile when grad-reg adds or drops one).
const METHODS = Object.keys({
  forward: 0,
  backward: 0,
  central: 0,
  'double-backprop': 0,
} satisfies Record<GradRegMethod, 0>) as GradRegMethod[];

const schema = {
  /** µ ≥ 0, the strength of the explicit regularizer µ·R_IG (Barrett & Dherin's convention). */
  mu: option.number({ min: 0 }),
  /** How the penalty's gradient is computed (gradReg's methods; default 'forward', 2 gradient evaluations). */
  method: option.oneOf(METHODS, { optional: true }),
  /** The finite-difference step ε (gradReg's `epsilon`). */
  epsilon: option.hyperparameter({ optional: true }),
};

export type ExplicitIgrOptions = OptionsOf<typeof schema>;

/**
 * Explicit gradient regularization in the IGR paper's convention (Barrett & Dherin, ICLR 2021,
 * §5): train on E + µ·R_IG with R_IG = (1/m)·Σᵢ(∂E/∂θᵢ)² = ‖∇E‖²/m, m the number of trainable
 * parameters. This is `@flatopt/grad-reg`'s penalty (γ/2)·‖∇E‖² (Karakida et al.'s convention)
 * with
 *
 *     γ = 2µ/m,
 *
 * so the plugin builds `gradReg({ gamma: 2µ/m, method, epsilon })` at the first step, when m is
 * known. For comparison, gradient descent with step h already carries the implicit λ·R_IG with
 * λ = h·m/4 (γ = h/2); `explicitIgr({ mu })` adds µ on top, so a run with step h trains on
 * E + (λ + µ)·R_IG to leading order. µ = 0 is the wrapped optimizer alone.
 */
export const explicitIgr: (options: ExplicitIgrOptions) => Plugin = definePlugin({
  type: 'explicitIgr',
  options: schema,
  create({ mu, method, epsilon }, name) {
    // Checks method and epsilon together now (ε may be 0 only for double backprop), by building a
    // gradReg with them, not at the first step; its errors are reported as this plugin's.
    try {
      gradReg({ gamma: mu, method, epsilon }).dispose?.();
    } catch (e) {
      if (e instanceof FlatoptError) throw new FlatoptError(e.message.replace(/^gradReg:/, 'explicitIgr:'));
      throw e;
    }
    let inner: Plugin | null = null;
    let builtFor = 0;

    const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
      const m = ctx.variables.reduce((n, v) => n + v.size, 0);
      if (!inner || builtFor !== m) {
        inner?.dispose?.();
        inner = gradReg({ gamma: (2 * mu) / m, method, epsilon, name });
        builtFor = m;
      }
      return inner.evaluate!(ctx, next);
    };

    return { evaluate, dispose: () => inner?.dispose?.() };
  },
});
