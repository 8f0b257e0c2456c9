import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, FlatoptError, option, type OptionsOf, type Plugin } from '@flatopt/core';
import { attach, reparameterized, SLOW_WEIGHTS, type SlowWeightsHandle } from './handles';

const lookaheadSchema = {
  /** Fast steps per synchronization (integer ≥ 1). Default 5, as in Zhang et al. */
  k: option.number({ default: 5, min: 1, integer: true }),
  /** Slow step size α in (0, 1]. Default 0.5, as in Zhang et al.; 1 is the wrapped optimizer exactly. */
  alpha: option.number({ default: 0.5, min: 0, max: 1, exclusiveMin: true }),
};

/** lookahead's options, all optional, and `name` (default 'lookahead'). */
export type LookaheadOptions = OptionsOf<typeof lookaheadSchema>;

/**
 * Lookahead (Zhang, Lucas, Hinton & Ba, "Lookahead Optimizer: k steps forward, 1 step back",
 * NeurIPS 2019; optax's `lookahead`): the wrapped optimizer makes k fast steps from the slow
 * weights φ, then φ moves part of the way towards the fast weights θ and θ starts again from it:
 *
 *     every k-th step, after the update:   φ ← φ + α·(θ − φ),   θ ← φ,
 *
 * with φ (state from `init`, a copy of the weights before the first step) saved and restored with
 * the optimizer. The wrapped optimizer's state (momentum, Adam's moments) stays with the fast
 * weights, as in the paper's experiments and optax; it is not reset at a synchronization. α = 1
 * makes φ ← θ and leaves θ alone: the wrapped optimizer bit for bit. After every k-th step the
 * weights are the slow weights, so evaluate then. Cost: 3 elementwise kernels per variable on
 * one step in k (none with α = 1); memory: one copy of the weights.
 *
 * Not with a reparameterization in the stack (e.g. `weightNorm()`): the wrapped optimizer then
 * trains parameters that `init`, which sees the trained variables only, cannot give slow copies.
 */
export const lookahead: (options?: LookaheadOptions) => Plugin = definePlugin({
  type: 'lookahead',
  options: lookaheadSchema,
  create: ({ k, alpha }, name) => {
    let state: SlowWeightsHandle | null = null;
    const hooks: Omit<Plugin, 'name' | 'type' | 'getConfig'> = {
      init(ctx) {
        const slow = ctx.perVariable('slow', (v) => v) as tf.Variable[];
        state = { variables: ctx.variables, slow };
      },
      apply(ctx, grads, next) {
        if (reparameterized(ctx)) {
          throw new FlatoptError(
            `${name}: a plugin of this stack reparameterizes variables (roles ${JSON.stringify([...new Set(ctx.roles)])}), so the wrapped optimizer trains parameters ` +
              `that lookahead's slow weights (created in init, from the trained variables) do not cover. Lookahead cannot be combined with a reparameterization. Nothing was applied.`,
          );
        }
        next(grads);
        if ((ctx.iteration + 1) % k !== 0) return;
        const { variables, slow } = state!;
        if (alpha === 1) {
          // φ ← θ (no kernel: φ takes θ's buffer); θ is unchanged, bit for bit.
          slow.forEach((s, i) => s.assign(variables[i]));
          return;
        }
        tf.tidy(() =>
          slow.forEach((s, i) => {
            const moved = tf.add(s, tf.mul(alpha, tf.sub(variables[i], s)));
            s.assign(moved);
            variables[i].assign(moved);
          }),
        );
      },
    };
    return attach(hooks, SLOW_WEIGHTS, () => state);
  },
});
