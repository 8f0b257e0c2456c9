import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError } from './errors';
import type { Grads } from './types';

/**
 * A scalar that is finite exactly when the loss and every gradient are: the loss plus the sum of
 * each gradient (one reduction pass each, no full-size temporary). A NaN or ±Inf entry makes its
 * sum NaN or ±Inf, and Inf + (−Inf) is NaN; so does, in principle, a total of finite values beyond
 * float32's 3.4e38, which takes entries around 1e29 and is treated as the divergence it is.
 */
export function finiteFlag(loss: tf.Scalar, grads: Grads): tf.Scalar {
  return tf.tidy(() => {
    const sums = [loss, ...grads.filter((g): g is tf.Tensor => g !== null).map((g) => tf.sum(g))];
    return (sums.length === 1 ? tf.clone(loss) : tf.addN(sums)) as tf.Scalar;
  });
}

/** The error for a non-finite step, naming the loss value or the first variable whose gradient is not finite. */
export function nonFiniteError(
  loss: tf.Scalar,
  grads: Grads,
  variables: readonly tf.Variable[],
  iteration: number,
): FlatoptError {
  const lossValue = loss.dataSync()[0];
  let what = `loss ${lossValue}`;
  if (Number.isFinite(lossValue)) {
    const bad = variables.findIndex((_, i) => {
      const g = grads[i];
      return g !== null && tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(g))).dataSync()[0] === 1);
    });
    what = `gradient of variable '${variables[bad]?.name ?? '?'}' (loss ${lossValue})`;
  }
  return new FlatoptError(
    `withPlugins: non-finite ${what} at iteration ${iteration}: nothing was applied, weights and optimizer state are unchanged. ` +
      `Lower the learning rate or check the data; pass { nonFinite: 'skip' } to skip such steps, or 'ignore' to turn the check off.`,
  );
}
