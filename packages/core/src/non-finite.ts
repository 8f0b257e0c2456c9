import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError } from './errors';
import type { Grads } from './types';
import { packedOnce } from './tfjs/webgl-packing';

/**
 * A scalar that is finite exactly when the loss and every gradient are: the loss plus a reduction
 * of each gradient. A NaN or ±Inf entry makes its reduction NaN or ±Inf, and Inf + (−Inf) is NaN;
 * so does, in principle, a total of finite values beyond the float range, which is treated as the
 * divergence it is. On most backends the reduction is a sum (one kernel each); on WebGL, where
 * tf.sum costs 5–7 programs on a packed texture, it is a mean by matMul (see `meanByMatMul`).
 */
export function finiteFlag(loss: tf.Scalar, grads: Grads): tf.Scalar {
  return tf.tidy(() => {
    const reduce = tf.getBackend() === 'webgl' ? meanByMatMul : (g: tf.Tensor) => tf.sum(g);
    const parts = [loss, ...grads.filter((g): g is tf.Tensor => g !== null).map(reduce)];
    return (parts.length === 1 ? tf.clone(loss) : tf.addN(parts)) as tf.Scalar;
  });
}

/** Averaging vectors by length, made once per backend (they live as long as the process). */
const averagers = new Map<string, tf.Tensor2D>();

function averager(rows: number, columns: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${rows}x${columns}`;
  let a = averagers.get(key);
  if (!a || a.isDisposed) {
    a = tf.tidy(
      () => tf.keep(packedOnce(tf.fill([rows, columns], 1 / Math.max(rows, columns)))) as tf.Tensor2D,
    );
    averagers.set(key, a);
  }
  return a;
}

/**
 * The mean of `g` as two packed matMuls, [1,r]·G[r,c]·[c,1] (one for a vector): WebGL runs each
 * as one program. A mean rather than a sum, so that half-precision textures (65504 at most) hold
 * the partial results of finite gradients; NaN and ±Inf still come through.
 */
function meanByMatMul(g: tf.Tensor): tf.Scalar {
  if (g.rank === 0) return g as tf.Scalar;
  const columns = g.shape[g.rank - 1];
  const rows = g.size / columns;
  const m = tf.reshape(g, [rows, columns]) as tf.Tensor2D;
  const perColumn = rows === 1 ? m : tf.matMul(averager(1, rows), m);
  return tf.reshape(tf.matMul(perColumn, averager(columns, 1)), []) as tf.Scalar;
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
