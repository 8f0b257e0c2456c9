import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError, type Evaluation, type Grads, type StepContext } from '@flatopt/core';
import { ascent, type AscentRule } from './ascent';

/**
 * m-sharpness (Foret et al., ICLR 2021, §4 "m-sharpness"): the batch is split into `count` equal,
 * contiguous parts (the SAM paper's m is the size of a part; here `count` is how many parts), and
 * each part j makes its own ascent from its own gradient,
 *   g_j = ∇L_j(θ),   ε̂_j = ρ·g_j/‖g_j‖   (or the `rule`'s variant: ASAM, unnormalized),
 *   G_j = ∇L_j(θ + ε̂_j),
 * and the update gradient is their mean, G = (1/m)·Σ_j G_j (Keras' `num_batch_splits` sums them
 * instead; the mean keeps G on the scale of one batch gradient, so the learning rate need not
 * change with m). `ctx.microBatch` restricts every evaluation inside it to part j.
 *
 * Costs 2m gradient evaluations, each running the loss function on the whole batch (tfjs has no
 * backward pass over part of a batch). Reports the mean loss at θ over the whole batch (the
 * parts' per-example losses concatenated, so exactly the one-part value) and records, as means
 * over the parts: `gradNorm` ‖g_j‖, `ascentNorm` ‖ε̂_j‖, `perturbedLoss` L_j(θ + ε̂_j) and
 * `sharpness` L_j(θ + ε̂_j) − L_j(θ). Every part's gradients stay alive until the evaluate stage
 * ends, as everything an evaluation makes does (inner plugins' deferred diagnostics may read them).
 */
export function microBatchAscents(
  ctx: StepContext,
  next: () => Evaluation,
  count: number,
  rho: number,
  rule: AscentRule,
): Evaluation {
  const parts = Array.from({ length: count }, (_, j) =>
    ctx.microBatch(j, count, () => {
      const here = next();
      const a = ascent(here.grads, ctx.variables, rho, rule);
      const there = ctx.probe(a.shift, a.scale, next);
      return { here, there, a };
    }),
  );
  const perturbed = parts.map((p) => p.there.loss);
  const { loss, perExample } = wholeBatch(parts.map((p) => p.here));
  ctx.record('gradNorm', () => meanOf(parts.map((p) => p.a.gradNorm())));
  ctx.record('ascentNorm', () => meanOf(parts.map((p) => p.a.norm())));
  ctx.record('perturbedLoss', () => meanOf(perturbed));
  ctx.record('sharpness', () => tf.sub(meanOf(perturbed), loss) as tf.Scalar);
  return { loss, grads: meanOfGrads(parts.map((p) => p.there.grads)), perExample };
}

/**
 * At a step with ρ = 0 (no ascent, one evaluation of the whole batch) the loss must still be one
 * that `count` micro-batches can split, so a warm-up of ρ from 0 fails on its first step, not its
 * second; the message is core's `ctx.microBatch` one.
 */
export function checkSplittable(owner: string, count: number, ev: Evaluation): void {
  const n = ev.perExample?.shape[0];
  if (n !== undefined && n % count === 0) return;
  const got = n === undefined ? 'a scalar' : `${n} per-example losses`;
  throw new FlatoptError(
    `${owner}: ${count} micro-batches need the loss function to return a vector of per-example losses whose length ${count} divides ` +
      `(for example a tf.losses.* loss with tf.Reduction.NONE); it returned ${got}. Nothing was applied.`,
  );
}

/** The whole batch's mean loss and per-example losses, from the parts' evaluations at θ. */
function wholeBatch(parts: readonly Evaluation[]): { loss: tf.Scalar; perExample?: tf.Tensor1D } {
  const vectors = parts.map((p) => p.perExample);
  // An inner plugin may hand back an evaluation without per-example losses: then the mean of the
  // parts' means, which is the batch mean as the parts are equal.
  if (vectors.some((v) => v === undefined)) return { loss: meanOf(parts.map((p) => p.loss)) };
  const perExample = tf.concat(vectors as tf.Tensor1D[]);
  return { loss: tf.mean(perExample) as tf.Scalar, perExample };
}

function meanOf(scalars: readonly tf.Scalar[]): tf.Scalar {
  return tf.div(tf.addN(scalars as tf.Scalar[]), scalars.length) as tf.Scalar;
}

/** (1/m)·Σ_j G_j per variable; a part without a gradient for a variable counts as zero there. */
function meanOfGrads(parts: readonly Grads[]): Grads {
  return parts[0].map((_, i) => {
    const present = parts.flatMap((g) => (g[i] ? [g[i]!] : []));
    if (present.length === 0) return null;
    const sum = present.length === 1 ? present[0] : tf.addN(present);
    return tf.div(sum, parts.length);
  });
}
