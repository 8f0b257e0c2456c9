import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@flatopt/core';

/**
 * A minimal plugin, to show the contract: one ascent step along the gradient, then the
 * gradient there, G = ∇L(θ + ρ·∇L(θ)) — unnormalized SAM, which equals Karakida et al.'s
 * forward finite-difference gradient regularization with γ = ε = ρ (SCIENCE.md §2.2).
 * `ctx.probe` displaces the weights and restores them bit for bit; the loss reported is the one
 * at θ. The packaged, validated versions are @flatopt/sam and @flatopt/grad-reg.
 */
export function ascentStep(rho: number): Plugin {
  return {
    name: 'ascentStep',
    evaluate(ctx, next) {
      const here = next();
      const there = ctx.probe(here.grads, rho, next);
      ctx.record('sharpness', tf.sub(there.loss, here.loss) as tf.Scalar);
      return { loss: here.loss, grads: there.grads };
    },
    getConfig: () => ({ rho }),
  };
}
