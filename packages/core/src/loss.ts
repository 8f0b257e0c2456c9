import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';

/**
 * Checks what a loss function returned: a float32 scalar, or a float32 vector of per-example
 * losses. Anything else is refused with the value and what is allowed, before any update.
 */
export function checkLossValue(value: unknown, iteration: number): tf.Scalar | tf.Tensor1D {
  const where = `loss function (iteration ${iteration})`;
  if (!(value instanceof tf.Tensor)) {
    throw new FlatoptError(
      `${where}: must return a tf.Tensor (a scalar, or a vector of per-example losses); got ${describe(value)}. Nothing was applied.`,
    );
  }
  if (value.dtype !== 'float32') {
    throw new FlatoptError(
      `${where}: must return a float32 tensor; got dtype '${value.dtype}'. Cast it with tf.cast(x, 'float32'). Nothing was applied.`,
    );
  }
  if (value.rank > 1) {
    throw new FlatoptError(
      `${where}: must return a scalar or a rank-1 vector of per-example losses; got shape [${value.shape.join(', ')}] (rank ${value.rank}). Reduce it first, e.g. with tf.mean(x, -1). Nothing was applied.`,
    );
  }
  if (value.rank === 1 && value.size === 0) {
    throw new FlatoptError(
      `${where}: returned an empty per-example vector (shape [0]). Nothing was applied.`,
    );
  }
  return value as tf.Scalar | tf.Tensor1D;
}
